using System.Security.Cryptography;
using Vigil.Portal.Api;
using Vigil.Portal.Data;
using Vigil.Protocol.Releases;

namespace Vigil.Portal.Rollouts;

/// <summary>
/// Takes an uploaded release file (as `./build.sh sign-release` writes it) and keeps it only once it
/// checks out: streamed to a private temporary file under the data directory (at most
/// <see cref="MaxFile"/> bytes, never all in memory), its header signed by one of the configured
/// release keys, its binary as long as the manifest says and of the SHA-256 it names, and no release
/// of the same RID and version stored before.
/// </summary>
public sealed class ReleaseUpload(PortalOptions options, AgentReleaseStore releases)
{
    /// <summary>The largest release file, as relays take it.</summary>
    public const long MaxFile = ReleaseFile.MaxLength;

    public async Task<AgentRelease> StoreAsync(Stream body, long? declaredLength, string uploadedBy, CancellationToken ct)
    {
        var keys = options.ParsedReleaseKeys();
        if (keys.Count == 0)
        {
            throw ApiException.Conflict("this portal has no release key configured (ReleaseKeys): it takes no release");
        }
        if (declaredLength > MaxFile)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"a release file is at most {MaxFile} bytes");
        }
        var dir = Path.Combine(options.DataDir, "uploads");
        PrivateFiles.CreateDirectory(dir);
        var temp = Path.Combine(dir, $"release-{Guid.NewGuid():N}.part");
        PrivateFiles.CreateFile(temp);
        try
        {
            await CopyCappedAsync(body, temp, ct).ConfigureAwait(false);
            var (manifest, headerLength) = Verify(temp, keys);
            var release = new AgentRelease
            {
                Name = $"vigil-agent-{manifest.Version}-{manifest.Rid}.release",
                Version = manifest.Version,
                Rid = manifest.Rid,
                Size = headerLength + manifest.Size,
                Sha256 = Convert.ToHexStringLower(manifest.Sha256),
                UploadedBy = uploadedBy,
                CreatedAt = Clock.NowMs(),
            };
            if (!Relay.Updates.ReleaseStore.ValidName(release.Name))
            {
                throw ApiException.BadRequest($"malformed: the version and RID make no release name a relay takes ({release.Name})");
            }
            return await releases.AddAsync(release, temp, ct).ConfigureAwait(false)
                ?? throw ApiException.Conflict($"a release {manifest.Version} for {manifest.Rid} is stored already: delete it first to replace it");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task CopyCappedAsync(Stream body, string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.None, 1, useAsync: true);
        if (!await ReleaseFile.CopyAtMostAsync(body, file, ct).ConfigureAwait(false))
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"a release file is at most {MaxFile} bytes");
        }
    }

    /// <summary>The signature against each key, then the binary against the manifest; a 400 that says which failed.</summary>
    private static (ReleaseManifest Manifest, int HeaderLength) Verify(string path, IReadOnlyList<byte[]> keys)
    {
        try
        {
            using var file = File.OpenHandle(path);
            var length = RandomAccess.GetLength(file);
            var header = ReleaseFormat.ReadHeader(file);
            ReleaseManifest? manifest = null;
            foreach (var key in keys)
            {
                try
                {
                    manifest = ReleaseFormat.VerifySignature(header, key);
                    break;
                }
                catch (ReleaseRejectedException e) when (e.Reason == "bad_signature")
                {
                    // Another configured key may have signed it.
                }
            }
            if (manifest is null)
            {
                throw new ReleaseRejectedException("bad_signature", "the release is not signed by any release key this portal trusts");
            }
            if (length != header.Length + manifest.Size)
            {
                throw new ReleaseRejectedException(length < header.Length + manifest.Size ? "truncated" : "too_long",
                    $"the file holds {length - header.Length} bytes of binary, the manifest announces {manifest.Size}");
            }
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            for (long at = header.Length; at < length;)
            {
                var n = RandomAccess.Read(file, buffer, at);
                hash.AppendData(buffer, 0, n);
                at += n;
            }
            if (!hash.GetHashAndReset().AsSpan().SequenceEqual(manifest.Sha256))
            {
                throw new ReleaseRejectedException("hash_mismatch", "the binary's SHA-256 is not the one its signed manifest names");
            }
            return (manifest, header.Length);
        }
        catch (ReleaseRejectedException e)
        {
            throw ApiException.BadRequest($"{e.Reason}: {e.Message}");
        }
    }
}
