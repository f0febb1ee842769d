using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Vigil.Protocol.Releases;

namespace Vigil.Relay.Updates;

/// <summary>
/// The signed agent releases this node can push, as files next to its key (releases/NAME). The
/// relay does not hold the release key and checks no signature: every agent does that itself.
/// It only reads the manifest to address the release (version, RID, size).
/// </summary>
public sealed partial class ReleaseStore(string directory)
{
    /// <summary>Largest release file: the largest binary a manifest may announce and its header.</summary>
    public const long MaxFile = ReleaseFile.MaxLength;

    public string Directory { get; } = directory;

    public static bool ValidName(string name) => NamePattern().IsMatch(name);

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>Stores an upload through a temporary file, at most <see cref="MaxFile"/> bytes; returns what it is.</summary>
    public async Task<StoredRelease> SaveAsync(string name, Stream body, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temp = PathOf(name) + ".upload";
        try
        {
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                if (!await ReleaseFile.CopyAtMostAsync(body, file, ct).ConfigureAwait(false))
                {
                    throw new ReleaseRejectedException("too_long", $"a release file is at most {MaxFile} bytes");
                }
            }
            var release = Describe(name, temp);
            File.Move(temp, PathOf(name), overwrite: true);
            return release;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Reads a stored release's manifest (unverified) and checks the file is as long as it says.</summary>
    public StoredRelease Describe(string name, string? path = null)
    {
        path ??= PathOf(name);
        using var file = File.OpenHandle(path);
        var header = ReleaseFormat.ReadHeader(file);
        var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(8));
        var manifest = ReleaseManifest.Parse(header.AsSpan(ReleaseFormat.PrefixLength, length));
        var size = RandomAccess.GetLength(file);
        if (size != header.Length + manifest.Size)
        {
            throw new ReleaseRejectedException("truncated", $"the file holds {size} bytes, the manifest announces {header.Length + manifest.Size}");
        }
        return new StoredRelease(name, manifest.Version, manifest.Rid, size);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.release$")]
    private static partial Regex NamePattern();
}
