namespace Vigil.Onvif.Client;

/// <summary>Reads an HTTP body into memory up to a cap, whatever Content-Length claims (it may lie or be absent).</summary>
public static class CappedBody
{
    /// <summary>The body, or null when it is longer than <paramref name="max"/> bytes; reading stops at the cap.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpResponseMessage response, int max, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Content.Headers.ContentLength > max)
        {
            return null;
        }
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[Math.Min(max + 1L, (response.Content.Headers.ContentLength ?? 16 * 1024) + 1)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > max)
                {
                    return null;
                }
                Array.Resize(ref buffer, (int)Math.Min(max + 1L, buffer.Length * 2L));
            }
            var n = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
            if (n == 0)
            {
                return length > max ? null : buffer.AsMemory(0, length);
            }
            length += n;
        }
    }
}
