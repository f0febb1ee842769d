namespace Vigil.Protocol.Noise;

/// <summary>
/// Creates <see cref="INoiseAead"/> instances for a key. The agent (NativeAOT, no OpenSSL) uses the
/// managed implementation; the relay can plug in the platform one without touching Noise code.
/// </summary>
public interface INoiseAeadFactory
{
    /// <param name="key32">The 32-byte cipher key; the returned instance keeps its own copy.</param>
    INoiseAead Create(ReadOnlySpan<byte> key32);
}
