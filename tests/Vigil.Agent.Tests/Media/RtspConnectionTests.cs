using System.Net;
using System.Net.Sockets;
using System.Text;
using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

/// <summary>The RTSP connection against a scripted peer on loopback: what arrives around a response.</summary>
[TestFixture]
public sealed class RtspConnectionTests
{
    private static byte[] Interleaved(int channel, byte marker) => [(byte)'$', (byte)channel, 0, 12, 0x80, 96, 0, marker, 0, 0, 0, 0, 0, 0, 0, 1];

    /// <summary>A peer that answers the first request with <paramref name="reply"/>, then holds the connection silent for a while.</summary>
    private static (MediaUrl Url, Task Served) Peer(byte[] reply, int holdMs = 3000)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = MediaUrl.TryParse($"rtsp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/s")!;
        var served = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var request = new byte[4096];
            var n = 0;
            while (!Encoding.ASCII.GetString(request, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                n += await stream.ReadAsync(request.AsMemory(n));
            }
            await stream.WriteAsync(reply);
            await Task.Delay(holdMs);
            listener.Stop();
        });
        return (url, served);
    }

    [Test]
    public void FramesSentBeforeTheResponseAreKeptInOrder()
    {
        var (url, _) = Peer([.. Interleaved(0, 1), .. Interleaved(2, 2), .. "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"u8, .. Interleaved(0, 3)]);
        using var connection = RtspConnection.Open(url, CancellationToken.None);
        Assert.That(connection.Request("PLAY", url.Plain).StatusCode, Is.EqualTo(200));
        var seen = new List<(int, byte)>();
        for (var i = 0; i < 3; i++)
        {
            Assert.That(connection.Next(1000, out var channel, out var payload, out _), Is.EqualTo(RtspItem.Interleaved));
            seen.Add((channel, payload[3]));
        }
        Assert.That(seen, Is.EqualTo(new[] { (0, (byte)1), (2, (byte)2), (0, (byte)3) }));
    }

    [Test]
    public void ARejectedFrameIsReadAgainFromTheByteAfterItsDollar()
    {
        // A '$' in garbage whose length would swallow the real frame behind it.
        byte[] bogus = [(byte)'$', 0, 0, 16, 0x80, 0x7F, 0, 0];
        var (url, _) = Peer([.. "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"u8, .. bogus, .. Interleaved(0, 7), 0, 0, 0, 0]);
        using var connection = RtspConnection.Open(url, CancellationToken.None);
        connection.Request("PLAY", url.Plain);
        Assert.That(connection.Next(1000, out _, out var first, out _), Is.EqualTo(RtspItem.Interleaved));
        Assert.That(first[1], Is.EqualTo(0x7F), "the bogus frame, with 16 bytes that are not its own");
        connection.Reject();
        Assert.That(connection.Next(1000, out var channel, out var payload, out _), Is.EqualTo(RtspItem.Interleaved));
        Assert.That((channel, payload[3]), Is.EqualTo((0, (byte)7)));
        Assert.That(connection.BadFrames, Is.EqualTo(1));
    }

    [Test]
    public void NoAnswerIsATimeoutWithTheMethodNamed()
    {
        var (url, _) = Peer(Interleaved(0, 1), holdMs: RtspConnection.ResponseTimeoutMs + 3000);
        using var connection = RtspConnection.Open(url, CancellationToken.None);
        var e = Assert.Throws<MediaException>(() => connection.Request("DESCRIBE", url.Plain));
        Assert.That(e!.Message, Does.Contain("no answer to DESCRIBE"));
    }

    [Test]
    public void APeerThatClosesMidFrameIsAClearError()
    {
        var (url, _) = Peer([.. "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"u8, (byte)'$', 0, 0, 40, 0x80, 96]);
        using var connection = RtspConnection.Open(url, CancellationToken.None);
        connection.Request("PLAY", url.Plain);
        var e = Assert.Throws<MediaException>(() => connection.Next(5000, out _, out _, out _));
        Assert.That(e!.Message, Does.Contain("in the middle of an item"));
    }
}
