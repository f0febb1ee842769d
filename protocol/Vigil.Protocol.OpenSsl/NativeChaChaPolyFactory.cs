using System.Security.Cryptography;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.OpenSsl;

/// <summary>Creates <see cref="NativeChaChaPoly"/> instances for the relay's Noise sessions.</summary>
public sealed class NativeChaChaPolyFactory : INoiseAeadFactory
{
    /// <summary>The factory is stateless, so one instance serves everyone.</summary>
    public static NativeChaChaPolyFactory Instance { get; } = new();

    /// <summary>Whether the platform offers ChaCha20-Poly1305 (it needs OpenSSL 1.1+ on Linux).</summary>
    public static bool IsSupported => ChaCha20Poly1305.IsSupported;

    public INoiseAead Create(ReadOnlySpan<byte> key32) => new NativeChaChaPoly(key32);
}
