using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Link;

/// <summary>
/// The relay link's handshake: Noise_IK_25519_ChaChaPoly_BLAKE2s. The agent (initiator) knows the
/// relay's static key from its config; the relay learns the agent's static key from message 1.
/// Both handshake payloads are empty in version 1 and must be ignored if not.
/// </summary>
/// <remarks>
/// <c>dh</c> null means the managed X25519, which is what the agent must use (no OpenSSL); the relay
/// passes a native one because DH is most of a handshake's CPU.
/// </remarks>
public static class LinkHandshake
{
    public static HandshakeState CreateInitiator(KeyPair agentStatic, ReadOnlySpan<byte> relayPublicKey, ReadOnlySpan<byte> preamble, INoiseAeadFactory aead, INoiseDh? dh = null) =>
        new(HandshakePattern.IK, initiator: true, LinkPreamble.Prologue(preamble), agentStatic, null, relayPublicKey, aead, dh: dh);

    public static HandshakeState CreateResponder(KeyPair relayStatic, ReadOnlySpan<byte> preamble, INoiseAeadFactory aead, INoiseDh? dh = null) =>
        new(HandshakePattern.IK, initiator: false, LinkPreamble.Prologue(preamble), relayStatic, null, default, aead, dh: dh);
}
