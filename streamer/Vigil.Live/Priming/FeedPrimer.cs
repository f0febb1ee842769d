using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Vigil.Live.Priming;

/// <summary>
/// Gives a new feed the camera's latest keyframe before its ffmpeg has played a byte: nginx-rtmp
/// keeps no GOP to start a player with, so a feed would otherwise wait for ffmpeg's start and the
/// camera's next keyframe (up to a GOP) before Janus had a picture for its first viewer. The node's
/// own HLS has it: nginx-rtmp cuts each fragment at a keyframe and writes it as the frames come, so
/// the camera's newest fragment (still being written) holds its latest keyframe. That access unit
/// goes to the mountpoint's port as RTP, then one packet at the next frame's time, which tells Janus
/// the keyframe is whole (bufferkf keeps the last keyframe once a later timestamp arrives);
/// Janus shows it to the viewer as soon as its PeerConnection is up, and the live video follows from
/// ffmpeg's first keyframe on (Janus rewrites the change of source for each viewer). The first
/// picture is up to a GOP old, as with a running feed's kept keyframe.
/// </summary>
internal static class FeedPrimer
{
    /// <summary>A fragment not written for this long is of a stream that stopped: no start for live.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);
    /// <summary>The newest fragments looked at: the newest may hold only the start of a keyframe.</summary>
    private const int FragmentsRead = 2;
    /// <summary>Packets sent before a pause, so that a large keyframe does not overrun Janus's socket buffer.</summary>
    private const int Burst = 48;

    /// <summary>The camera's latest whole keyframe in the node's HLS, and the fragment it is from; or the reason there is none.</summary>
    public static (TsKeyframe? Keyframe, string From) Find(string hlsDir, string camera, DateTime nowUtc)
    {
        var dir = Path.Combine(hlsDir, camera);
        if (!Directory.Exists(dir))
        {
            return (null, "no HLS of the camera");
        }
        var fragments = new DirectoryInfo(dir).EnumerateFiles("*.ts")
            .Where(f => nowUtc - f.LastWriteTimeUtc < Fresh)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .Take(FragmentsRead);
        var looked = 0;
        foreach (var fragment in fragments)
        {
            looked++;
            byte[] bytes;
            try
            {
                if (fragment.Length > TsKeyframe.MaxFileBytes)
                {
                    continue;
                }
                bytes = File.ReadAllBytes(fragment.FullName);
            }
            catch (IOException)
            {
                // nginx-rtmp deleted it meanwhile (its playlist moved on): the next one.
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                return (null, "the HLS directory is not readable by this service");
            }
            var keyframe = TsKeyframe.Last(bytes);
            if (keyframe is not null)
            {
                return (keyframe, fragment.Name);
            }
        }
        return (null, looked == 0 ? "no fragment written in the last 10 s" : "no whole keyframe in the newest fragments");
    }

    /// <summary>Sends the keyframe to the mountpoint's RTP port on loopback, as payload type 96; returns the packets sent.</summary>
    public static async Task<int> SendAsync(TsKeyframe keyframe, int port, CancellationToken ct)
    {
        var ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        var packetizer = new H264RtpPacketizer(96, ssrc, (ushort)RandomNumberGenerator.GetInt32(0, ushort.MaxValue));
        // Janus takes a zero timestamp for "no keyframe being kept": keep clear of it.
        var timestamp = (uint)keyframe.Pts is 0 ? 1u : (uint)keyframe.Pts;
        var next = (uint)keyframe.NextPts;
        if (next == timestamp)
        {
            next++;
        }
        var packets = packetizer.Packetize(keyframe.AccessUnit, timestamp);
        // An access unit delimiter at the next frame's time: ends the keyframe for Janus, shows nothing.
        packets.AddRange(packetizer.Packetize(new byte[] { 0, 0, 0, 1, 0x09, 0xF0 }, next));
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var to = new IPEndPoint(IPAddress.Loopback, port);
        for (var i = 0; i < packets.Count; i++)
        {
            if (i > 0 && i % Burst == 0)
            {
                await Task.Delay(1, ct).ConfigureAwait(false);
            }
            await udp.SendToAsync(packets[i], SocketFlags.None, to, ct).ConfigureAwait(false);
        }
        return packets.Count;
    }
}
