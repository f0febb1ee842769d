using System.Buffers.Binary;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Vigil.Protocol.Releases;

/// <summary>
/// The signed release file of an agent binary:
/// <code>
/// "VIGILREL" | u16 manifest length (1..1024) | manifest | Ed25519 signature (64) | the binary (manifest size bytes)
/// </code>
/// The signature covers a context string and the manifest, which names the binary's SHA-256: one
/// signature check before anything is stored, the hash as the bytes stream through. BouncyCastle
/// primitives constructed directly (no name-based factory, no System.Security.Cryptography), so
/// the agent can check a release where there is no libssl.
/// </summary>
public static class ReleaseFormat
{
    public const int MaxManifest = 1024;
    public const int SignatureLength = 64;
    public const int KeyLength = 32;
    private static readonly byte[] Magic = "VIGILREL"u8.ToArray();
    private static readonly byte[] Context = "vigil agent release v1\n"u8.ToArray();

    /// <summary>The bytes before the manifest: magic and length.</summary>
    public const int PrefixLength = 10;

    /// <summary>The header's whole length, read from its first <see cref="PrefixLength"/> bytes.</summary>
    public static int HeaderLength(ReadOnlySpan<byte> prefix)
    {
        if (prefix.Length < PrefixLength || !prefix[..8].SequenceEqual(Magic))
        {
            throw new ReleaseRejectedException("malformed", "not an agent release (no VIGILREL header)");
        }
        var length = BinaryPrimitives.ReadUInt16BigEndian(prefix[8..]);
        if (length is 0 or > MaxManifest)
        {
            throw new ReleaseRejectedException("malformed", $"the release's manifest length {length} is not 1 to {MaxManifest}");
        }
        return PrefixLength + length + SignatureLength;
    }

    /// <summary>
    /// Checks a header against the release key, then against the agent that would run it: its RID,
    /// and a version newer than its own unless a downgrade is allowed.
    /// </summary>
    public static ReleaseManifest Verify(ReadOnlySpan<byte> header, byte[] publicKey, string rid, string currentVersion, bool allowDowngrade)
    {
        var parsed = VerifySignature(header, publicKey);
        if (!string.Equals(parsed.Rid, rid, StringComparison.Ordinal))
        {
            throw new ReleaseRejectedException("wrong_rid", $"the release is for {parsed.Rid}, this agent is {rid}");
        }
        var order = ReleaseVersion.Compare(parsed.Version, currentVersion);
        if (order == 0 || (order < 0 && !allowDowngrade))
        {
            throw new ReleaseRejectedException("not_newer", $"the release's version {parsed.Version} is not newer than the running {currentVersion}{(order < 0 ? " (a downgrade must be forced)" : "")}");
        }
        return parsed;
    }

    /// <summary>Reads the header at the start of a release file (unverified); throws when the file ends inside it.</summary>
    public static byte[] ReadHeader(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        var prefix = new byte[PrefixLength];
        if (RandomAccess.Read(file, prefix, 0) < prefix.Length)
        {
            throw new ReleaseRejectedException("truncated", "the release ends inside its header");
        }
        var header = new byte[HeaderLength(prefix)];
        if (RandomAccess.Read(file, header, 0) < header.Length)
        {
            throw new ReleaseRejectedException("truncated", "the release ends inside its header");
        }
        return header;
    }

    /// <summary>
    /// Checks a header's signature against the release key and returns its manifest: what a store
    /// of releases (the portal) checks, which runs none of them and so has no RID or version to compare.
    /// </summary>
    public static ReleaseManifest VerifySignature(ReadOnlySpan<byte> header, byte[] publicKey)
    {
        var length = HeaderLength(header);
        if (header.Length != length)
        {
            throw new ReleaseRejectedException("truncated", "the release ends inside its header");
        }
        var manifest = header[PrefixLength..(length - SignatureLength)];
        var signed = new byte[Context.Length + manifest.Length];
        Context.CopyTo(signed, 0);
        manifest.CopyTo(signed.AsSpan(Context.Length));
        if (publicKey.Length != KeyLength || !Ed25519.Verify(header[(length - SignatureLength)..].ToArray(), 0, publicKey, 0, signed, 0, signed.Length))
        {
            throw new ReleaseRejectedException("bad_signature", "the release is not signed by this agent's release key");
        }
        return ReleaseManifest.Parse(manifest);
    }

    /// <summary>The header of a release: the manifest of <paramref name="binary"/> signed with the 32-byte Ed25519 private key.</summary>
    public static byte[] Sign(byte[] privateKey, string version, string rid, ReadOnlySpan<byte> binary)
    {
        var manifest = new ReleaseManifest(version, rid, binary.Length, Sha256(binary)).ToBytes();
        var signed = new byte[Context.Length + manifest.Length];
        Context.CopyTo(signed, 0);
        manifest.CopyTo(signed, Context.Length);
        var header = new byte[PrefixLength + manifest.Length + SignatureLength];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), (ushort)manifest.Length);
        manifest.CopyTo(header, PrefixLength);
        Ed25519.Sign(privateKey, 0, signed, 0, signed.Length, header, PrefixLength + manifest.Length);
        return header;
    }

    /// <summary>The public key of a 32-byte Ed25519 private key.</summary>
    public static byte[] PublicKey(byte[] privateKey)
    {
        var pk = new byte[KeyLength];
        Ed25519.GeneratePublicKey(privateKey, 0, pk, 0);
        return pk;
    }

    /// <summary>SHA-256 over the bytes as they stream: one of these per download, fed chunk by chunk.</summary>
    public sealed class Hasher
    {
        private readonly Sha256Digest _digest = new();

        public void Update(byte[] buffer, int offset, int count) => _digest.BlockUpdate(buffer, offset, count);

        public byte[] Final()
        {
            var hash = new byte[32];
            _digest.DoFinal(hash, 0);
            return hash;
        }
    }

    private static byte[] Sha256(ReadOnlySpan<byte> data)
    {
        var hasher = new Hasher();
        var copy = data.ToArray();
        hasher.Update(copy, 0, copy.Length);
        return hasher.Final();
    }

    /// <summary>Text for a key file: base64 of the key, one line.</summary>
    public static string KeyText(byte[] key) => Convert.ToBase64String(key) + "\n";

    /// <summary>Reads what <see cref="KeyText"/> wrote.</summary>
    public static byte[] ParseKey(string text)
    {
        var key = Convert.FromBase64String(text.Trim());
        return key.Length == KeyLength ? key : throw new FormatException($"a release key is {KeyLength} bytes, not {key.Length}");
    }
}
