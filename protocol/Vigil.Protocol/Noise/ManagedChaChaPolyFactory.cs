namespace Vigil.Protocol.Noise;

/// <summary>Creates <see cref="ManagedChaChaPoly"/> instances: the AEAD that works without OpenSSL.</summary>
public sealed class ManagedChaChaPolyFactory : INoiseAeadFactory
{
    /// <summary>The factory is stateless, so one instance serves everyone.</summary>
    public static ManagedChaChaPolyFactory Instance { get; } = new();

    public INoiseAead Create(ReadOnlySpan<byte> key32) => new ManagedChaChaPoly(key32);
}
