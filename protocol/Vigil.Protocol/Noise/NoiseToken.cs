namespace Vigil.Protocol.Noise;

/// <summary>The tokens a handshake pattern is made of (spec rev 34, §7.1; psk from §9).</summary>
public enum NoiseToken
{
    /// <summary>The sender's ephemeral public key, in clear.</summary>
    E,

    /// <summary>The sender's static public key, encrypted once a key exists.</summary>
    S,

    /// <summary>DH(initiator ephemeral, responder ephemeral).</summary>
    EE,

    /// <summary>DH(initiator ephemeral, responder static).</summary>
    ES,

    /// <summary>DH(initiator static, responder ephemeral).</summary>
    SE,

    /// <summary>DH(initiator static, responder static).</summary>
    SS,

    /// <summary>Mix the next pre-shared key (§9.2).</summary>
    Psk,
}
