using System.Diagnostics;
using System.Net;

namespace Vigil.EndToEnd.Tests;

/// <summary>
/// One viewer of a continuous MPEG-TS URL: opens it, waits for its first bytes (which must be an
/// MPEG-TS packet's sync byte), then keeps reading in the background until the server ends it.
/// </summary>
internal sealed class MpegTsWatcher
{
    private readonly Task _reading;
    private readonly CancellationTokenSource _leave;
    private long _bytes;

    private MpegTsWatcher(TimeSpan firstBytes, Task reading, CancellationTokenSource leave)
    {
        FirstBytes = firstBytes;
        _reading = reading;
        _leave = leave;
    }

    /// <summary>From sending the request to the first bytes of the body.</summary>
    public TimeSpan FirstBytes { get; }

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Whether the response has ended.</summary>
    public bool Ended => _reading.IsCompleted;

    /// <summary>How the reading failed (the connection cut rather than the response ended), if it did.</summary>
    public Exception? Failure => _reading.Exception?.InnerException;

    public static async Task<MpegTsWatcher> StartAsync(HttpClient http, string url)
    {
        var clock = Stopwatch.StartNew();
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await Text(response));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("video/mp2t"));
        var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[65536];
        var n = await body.ReadAsync(buffer);
        var firstBytes = clock.Elapsed;
        Assert.That(n, Is.GreaterThan(0), "the MPEG-TS response has a body");
        Assert.That(buffer[0], Is.EqualTo(0x47), "the body starts with an MPEG-TS packet");
        MpegTsWatcher? watcher = null;
        var started = new TaskCompletionSource();
        var leave = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            await started.Task;
            using (response)
            using (body)
            {
                int read;
                while ((read = await body.ReadAsync(buffer, leave.Token)) > 0)
                {
                    Interlocked.Add(ref watcher!._bytes, read);
                }
            }
        });
        watcher = new MpegTsWatcher(firstBytes, reading, leave);
        Interlocked.Add(ref watcher._bytes, n);
        started.SetResult();
        return watcher;
    }

    /// <summary>Goes away as a player does: stops reading and closes the connection.</summary>
    public async Task LeaveAsync()
    {
        await _leave.CancelAsync();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
            // what leaving is
        }
        _leave.Dispose();
    }

    /// <summary>
    /// The server's connections on a local port that the client has closed and the server not yet
    /// (CLOSE_WAIT), from /proc/net/tcp.
    /// </summary>
    public static int ClosedByClientOnly(int port)
    {
        var local = $":{port:X4}";
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length > 3 && f[1].EndsWith(local, StringComparison.Ordinal) && f[3] == "08");
    }

    /// <summary>How long the response took to end from now, or null when it did not within the limit.</summary>
    public async Task<TimeSpan?> EndsWithinAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        return await Task.WhenAny(_reading, Task.Delay(limit)) == _reading ? clock.Elapsed : null;
    }

    private static async Task<string> Text(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.OK ? "" : await response.Content.ReadAsStringAsync();
}
