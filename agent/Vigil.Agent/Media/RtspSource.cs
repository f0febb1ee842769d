using System.Globalization;
using System.Text;

namespace Vigil.Agent.Media;

/// <summary>The tracks a session carries, in the order their frames are numbered.</summary>
internal sealed class StreamInfo(SdpTrack[] tracks)
{
    public SdpTrack[] Tracks { get; } = tracks;

    /// <summary>Same tracks in the same formats: a publisher can go on across a camera reconnect.</summary>
    public bool SameFormat(StreamInfo other)
    {
        if (other.Tracks.Length != Tracks.Length)
        {
            return false;
        }
        for (var i = 0; i < Tracks.Length; i++)
        {
            if (!Tracks[i].SameFormat(other.Tracks[i]))
            {
                return false;
            }
        }
        return true;
    }

    public bool HasVideo => Array.FindIndex(Tracks, t => t.IsVideo) >= 0;
}

/// <summary>
/// The camera's side: an RTSP 1.0 client (RFC 2326) over TCP interleaved. OPTIONS, DESCRIBE
/// (redirects followed, Basic or Digest answered), SETUP of one video and one audio track, PLAY,
/// keep-alives within the session timeout, TEARDOWN. One <see cref="Run"/> is one session.
/// </summary>
internal sealed class RtspSource(MediaUrl url, int maxFrameBytes)
{
    private const int MaxRedirects = 3;

    /// <summary>A camera that sends nothing for this long is reconnected.</summary>
    public const int SilenceLimitMs = 10_000;

    private RtspConnection? _connection;

    /// <summary>
    /// Runs one session until <paramref name="ct"/> is cancelled (returns) or the session fails
    /// (throws). <paramref name="started"/> gets the tracks and each one's first RTP timestamp of the
    /// PLAY answer (RTP-Info), or -1, before the first frame reaches <paramref name="sink"/>.
    /// </summary>
    public void Run(Action<StreamInfo, long[]> started, IFrameSink sink, CancellationToken ct)
    {
        var target = url;
        RtspConnection connection;
        RtspMessage describe;
        string? methods;
        for (var redirects = 0; ; redirects++)
        {
            connection = Connect(target, ct);
            methods = connection.Request("OPTIONS", target.Plain).Header("Public");
            describe = connection.Request("DESCRIBE", target.Plain, "Accept: application/sdp\r\n");
            if (describe.StatusCode is >= 300 and < 400 && describe.Header("Location") is { } location && redirects < MaxRedirects)
            {
                // Keep the credentials: a redirect names a place, not a new identity.
                var next = MediaUrl.TryParse(target.Resolve(location));
                if (next is null)
                {
                    throw new MediaException($"DESCRIBE redirected to an address that is not rtsp:// ({location})");
                }
                target = next.User is null ? next.WithCredentialsOf(url) : next;
                Log.Info($"camera: {describe.StatusCode} redirect to {target.Masked}");
                Close();
                continue;
            }
            break;
        }
        try
        {
            Stream(connection, target, describe, methods, started, sink, ct);
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Closes the session's connection from any thread (wakes the reader).</summary>
    public void Close() => Interlocked.Exchange(ref _connection, null)?.Dispose();

    private RtspConnection Connect(MediaUrl target, CancellationToken ct)
    {
        var connection = RtspConnection.Open(target, ct);
        _connection = connection;
        if (ct.IsCancellationRequested)
        {
            Close();
            ct.ThrowIfCancellationRequested();
        }
        return connection;
    }

    private void Stream(RtspConnection connection, MediaUrl target, RtspMessage describe, string? methods, Action<StreamInfo, long[]> started, IFrameSink sink, CancellationToken ct)
    {
        Expect(describe, "DESCRIBE");
        var sdp = Sdp.Parse(Encoding.UTF8.GetString(describe.Body));
        var baseUrl = describe.Header("Content-Base") ?? describe.Header("Content-Location") ?? target.Plain;
        if (sdp.Control is { } sessionControl && sessionControl.Contains("://", StringComparison.Ordinal))
        {
            baseUrl = sessionControl;
        }
        var tracks = new List<SdpTrack>();
        foreach (var t in sdp.Tracks)
        {
            // One video and one audio track: what a streamer takes from a camera.
            if (t.Codec == MediaCodec.Unknown || (t.IsVideo && tracks.Exists(x => x.IsVideo)) || (t.IsAudio && tracks.Exists(x => x.IsAudio)))
            {
                Log.Info($"camera: {t.Media} track {t.EncodingName} skipped ({(t.Codec == MediaCodec.Unknown ? "not a codec the agent forwards" : "one per kind")})");
                continue;
            }
            tracks.Add(t);
        }
        if (tracks.Count == 0)
        {
            throw new MediaException("the camera's SDP has no H.264, H.265, AAC or G.711 track");
        }
        var depacketizers = new Depacketizer[tracks.Count];
        var channels = new int[tracks.Count];
        var timeout = 60;
        string[] controls = new string[tracks.Count];
        for (var i = 0; i < tracks.Count; i++)
        {
            controls[i] = MediaUrl.JoinControl(baseUrl, tracks[i].Control);
            var setup = connection.Request("SETUP", controls[i], $"Transport: RTP/AVP/TCP;unicast;interleaved={2 * i}-{2 * i + 1}\r\n");
            Expect(setup, "SETUP");
            if (setup.Header("Session") is { } session)
            {
                // "id;timeout=60" (RFC 2326 section 12.37).
                var semi = session.IndexOf(';');
                connection.Session = semi < 0 ? session : session[..semi];
                var t = session.IndexOf("timeout=", StringComparison.OrdinalIgnoreCase);
                if (t >= 0 && int.TryParse(session.AsSpan(t + 8).TrimEnd(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
                {
                    timeout = seconds;
                }
            }
            channels[i] = InterleavedChannel(setup.Header("Transport"), 2 * i);
            depacketizers[i] = Depacketizer.For(tracks[i], i, sink, maxFrameBytes)!;
        }
        var play = connection.Request("PLAY", MediaUrl.JoinControl(baseUrl, sdp.Control), "Range: npt=0.000-\r\n");
        Expect(play, "PLAY");
        var firstTimestamps = RtpInfo(play.Header("RTP-Info"), controls);
        var info = new StreamInfo([.. tracks]);
        Log.Info($"camera: playing {target.Masked}: {Describe(info)}, session timeout {timeout} s");
        started(info, firstTimestamps);

        // GET_PARAMETER where the camera lists it (RFC 2326 section 10.8), OPTIONS elsewhere.
        var keepAlive = methods is not null && methods.Contains("GET_PARAMETER", StringComparison.OrdinalIgnoreCase) ? "GET_PARAMETER" : "OPTIONS";
        var keepAliveMs = Math.Max(1000, timeout * 1000 / 2);
        var nextKeepAlive = Environment.TickCount64 + keepAliveMs;
        var lastData = Environment.TickCount64;
        var garbageSeen = 0L;
        var sources = new long[tracks.Count];
        var mismatches = new int[tracks.Count];
        Array.Fill(sources, -1);
        var garbageLogged = long.MinValue / 2;
        while (!ct.IsCancellationRequested)
        {
            var now = Environment.TickCount64;
            if (now >= nextKeepAlive)
            {
                // Within the session timeout, whatever the camera thinks of RTP over TCP (RFC 2326 section 12.37).
                connection.Send(keepAlive, keepAlive == "OPTIONS" ? target.Plain : MediaUrl.JoinControl(baseUrl, sdp.Control));
                nextKeepAlive = now + keepAliveMs;
            }
            if (now - lastData > SilenceLimitMs)
            {
                throw new MediaException($"the camera sent no media for {SilenceLimitMs / 1000} s");
            }
            var garbage = connection.GarbageBytes + connection.BadFrames;
            if (garbage != garbageSeen && now - garbageLogged >= 10_000)
            {
                Log.Warn($"camera: skipped {connection.GarbageBytes} bytes that were not RTSP or interleaved RTP, and {connection.BadFrames} interleaved frames that were not RTP");
                garbageSeen = garbage;
                garbageLogged = now;
            }
            RtspItem item;
            int channel;
            ReadOnlySpan<byte> payload;
            RtspMessage? message;
            try
            {
                item = connection.Next(500, out channel, out payload, out message);
            }
            catch (TimeoutException)
            {
                continue;
            }
            if (item == RtspItem.Message)
            {
                if (message!.StatusCode == 0)
                {
                    connection.AnswerRequest(message);
                }
                continue;
            }
            var track = Array.IndexOf(channels, channel);
            if (track < 0)
            {
                // RTCP (sender reports: payload types 200 to 204) on a track's second channel is
                // expected and ignored; anything else here is garbage that began with a '$'.
                if (Array.IndexOf(channels, channel - 1) < 0 || payload[1] is < 200 or > 204)
                {
                    connection.Reject();
                }
                continue;
            }
            if (!RtpPacket.TryParse(payload, out var packet) || !SameSource(sources, mismatches, track, (long)packet.PayloadType << 32 | packet.Ssrc))
            {
                connection.Reject();
                continue;
            }
            lastData = now;
            depacketizers[track].Push(packet);
        }
        try
        {
            connection.Send("TEARDOWN", MediaUrl.JoinControl(baseUrl, sdp.Control));
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // Closing anyway: a camera that cannot hear TEARDOWN ends the session at its timeout.
        }
    }

    /// <summary>
    /// Whether a packet comes from the track's source: the payload type and SSRC (RFC 3550 section
    /// 5.1) of the track's first packet, which tells real packets from garbage that looks like them.
    /// A camera that changes either for good is followed after a few dozen packets.
    /// </summary>
    private static bool SameSource(long[] sources, int[] mismatches, int track, long source)
    {
        if (sources[track] == source)
        {
            mismatches[track] = 0;
            return true;
        }
        if (sources[track] < 0 || ++mismatches[track] > 32)
        {
            sources[track] = source;
            mismatches[track] = 0;
            return true;
        }
        return false;
    }

    internal static string Describe(StreamInfo info)
    {
        var text = new StringBuilder();
        foreach (var t in info.Tracks)
        {
            text.Append(text.Length == 0 ? "" : " + ").Append(t.EncodingName).Append('/').Append(t.ClockRate);
        }
        return text.ToString();
    }

    private static void Expect(RtspMessage response, string method)
    {
        if (response.StatusCode != 200)
        {
            throw new MediaException(response.StatusCode == 401
                ? $"{method} refused: 401 {response.Reason} (wrong user or password?)"
                : $"{method} answered {response.StatusCode} {response.Reason}");
        }
    }

    /// <summary>The RTP channel of "interleaved=a-b" in the Transport answer; the one asked for if absent.</summary>
    private static int InterleavedChannel(string? transport, int asked)
    {
        var i = transport?.IndexOf("interleaved=", StringComparison.OrdinalIgnoreCase) ?? -1;
        if (i < 0)
        {
            return asked;
        }
        var start = i + 12;
        var end = start;
        while (end < transport!.Length && char.IsAsciiDigit(transport[end]))
        {
            end++;
        }
        return int.TryParse(transport.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out var channel) && channel < 256 ? channel : asked;
    }

    /// <summary>
    /// Each track's rtptime from "RTP-Info: url=...;seq=...;rtptime=..., url=..." (RFC 2326 section
    /// 12.33): the RTP timestamps that stand for the same instant, which keeps audio and video in step.
    /// </summary>
    internal static long[] RtpInfo(string? header, string[] controls)
    {
        var result = new long[controls.Length];
        Array.Fill(result, -1);
        if (header is null)
        {
            return result;
        }
        foreach (var entry in header.Split(','))
        {
            string? entryUrl = null;
            long rtptime = -1;
            foreach (var field in entry.Split(';'))
            {
                var f = field.Trim();
                if (f.StartsWith("url=", StringComparison.OrdinalIgnoreCase))
                {
                    entryUrl = f[4..];
                }
                else if (f.StartsWith("rtptime=", StringComparison.OrdinalIgnoreCase) && uint.TryParse(f.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var t))
                {
                    rtptime = t;
                }
            }
            if (entryUrl is null || rtptime < 0)
            {
                continue;
            }
            for (var i = 0; i < controls.Length; i++)
            {
                // Servers write the url absolute or as the control alone.
                if (controls[i] == entryUrl || controls[i].EndsWith("/" + entryUrl.TrimStart('/'), StringComparison.Ordinal))
                {
                    result[i] = rtptime;
                }
            }
        }
        return result;
    }
}
