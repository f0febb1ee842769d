namespace Vigil.Protocol.Releases;

/// <summary>A release file as it travels between hosts (the portal's and the relays' uploads): its size limit and a capped copy to disk.</summary>
public static class ReleaseFile
{
    /// <summary>The largest release file: the largest binary a manifest may announce, and room for its header.</summary>
    public const long MaxLength = ReleaseManifest.MaxSize + 2048;

    /// <summary>
    /// Copies an upload to a file through a fixed buffer; false as soon as it passes
    /// <see cref="MaxLength"/>, so that a body of any length costs at most that much disk and no memory.
    /// </summary>
    public static async Task<bool> CopyAtMostAsync(Stream body, Stream file, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(file);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            total += n;
            if (total > MaxLength)
            {
                return false;
            }
            await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
        }
        return true;
    }
}
