using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Vigil.Protocol.Releases;

namespace Vigil.Agent;

/// <summary>
/// Takes a signed release file and, only when it checks out, leaves its binary in the state
/// directory as releases/vigil-agent-VERSION (mode 0755, synced), ready to be switched to. The
/// header is checked first (signature, RID, version), so nothing unsigned is ever written; the
/// binary then streams through a 64 KiB buffer into a temporary file, hashed on the way, and is
/// renamed into place only when its length and SHA-256 are the signed ones. Any failure removes
/// the temporary file and leaves what was there as it was. No FileStream (see <see cref="AtomicFile"/>).
/// </summary>
internal static class ReleaseStager
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>The RID this binary was published for (NativeAOT reports the publish RID).</summary>
    public static string Rid => RuntimeInformation.RuntimeIdentifier;

    public static string ReleasesDir(string stateDir) => Path.Combine(stateDir, "releases");

    /// <summary>Verifies <paramref name="release"/> and stages its binary; returns the staged path. Throws <see cref="ReleaseRejectedException"/>.</summary>
    public static (ReleaseManifest Manifest, string Path) Stage(string release, byte[] releaseKey, string stateDir, bool allowDowngrade)
    {
        using var input = File.OpenHandle(release, FileMode.Open, FileAccess.Read);
        var length = RandomAccess.GetLength(input);
        var prefix = new byte[ReleaseFormat.PrefixLength];
        if (RandomAccess.Read(input, prefix, 0) < prefix.Length)
        {
            throw new ReleaseRejectedException("truncated", "the release ends inside its header");
        }
        var header = new byte[ReleaseFormat.HeaderLength(prefix)];
        var got = RandomAccess.Read(input, header, 0);
        var manifest = ReleaseFormat.Verify(header.AsSpan(0, got), releaseKey, Rid, AgentInfo.Version, allowDowngrade);
        var body = length - header.Length;
        if (body < manifest.Size)
        {
            throw new ReleaseRejectedException("truncated", $"the release holds {body} of the binary's {manifest.Size} bytes");
        }
        if (body > manifest.Size)
        {
            throw new ReleaseRejectedException("too_long", $"the release holds {body - manifest.Size} bytes more than the signed binary");
        }
        var dir = ReleasesDir(stateDir);
        Directory.CreateDirectory(dir);
        var target = Path.Combine(dir, $"vigil-agent-{manifest.Version}");
        var temp = target + ".partial";
        try
        {
            CopyHashed(input, header.Length, manifest, temp);
            File.Move(temp, target, overwrite: true);
        }
        catch (IOException e)
        {
            TryDelete(temp);
            throw new ReleaseRejectedException("disk", $"cannot store the release in {dir}: {e.Message}");
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return (manifest, target);
    }

    private static void CopyHashed(SafeFileHandle input, long offset, ReleaseManifest manifest, string temp)
    {
        var hasher = new ReleaseFormat.Hasher();
        var buffer = new byte[ChunkSize];
        using (var output = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None))
        {
            long done = 0;
            while (done < manifest.Size)
            {
                var want = (int)Math.Min(buffer.Length, manifest.Size - done);
                var n = RandomAccess.Read(input, buffer.AsSpan(0, want), offset + done);
                if (n <= 0)
                {
                    throw new ReleaseRejectedException("truncated", $"the release ended after {done} of {manifest.Size} bytes");
                }
                hasher.Update(buffer, 0, n);
                RandomAccess.Write(output, buffer.AsSpan(0, n), done);
                done += n;
            }
            if (!hasher.Final().AsSpan().SequenceEqual(manifest.Sha256))
            {
                throw new ReleaseRejectedException("hash_mismatch", "the binary's SHA-256 is not the signed one: corrupted in transit or on disk");
            }
            AtomicFile.Sync(output);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, (UnixFileMode)0b111_101_101);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
