using System.Globalization;

namespace Vigil.Agent.Media;

/// <summary>What the agent can carry. Named by hand where it is printed: Enum.ToString costs the binary its enum-name machinery.</summary>
internal enum MediaCodec
{
    Unknown,
    H264,
    H265,
    Aac,
    Pcmu,
    Pcma,
}

/// <summary>One m= section of a session description, with what its rtpmap and fmtp say.</summary>
internal sealed class SdpTrack
{
    public string Media { get; set; } = "";
    public int PayloadType { get; set; } = -1;

    /// <summary>The encoding name as the SDP wrote it (for logs).</summary>
    public string EncodingName { get; set; } = "";
    public MediaCodec Codec { get; set; }
    public int ClockRate { get; set; }
    public int Channels { get; set; } = 1;
    public string? Control { get; set; }

    /// <summary>The fmtp parameters (after the payload type), as written.</summary>
    public string? Fmtp { get; set; }

    /// <summary>H.264 SPS and PPS (sprop-parameter-sets), or H.265 VPS, SPS and PPS; empty when the SDP has none.</summary>
    public byte[][] ParameterSets { get; set; } = [];

    /// <summary>RFC 6184 packetization-mode: 0 single NAL, 1 non-interleaved (the only ones cameras use).</summary>
    public int PacketizationMode { get; set; }

    /// <summary>The AAC AudioSpecificConfig (RFC 3640 "config", hex).</summary>
    public byte[]? AudioConfig { get; set; }
    public int SizeLength { get; set; }
    public int IndexLength { get; set; }
    public int IndexDeltaLength { get; set; }

    public bool IsVideo => Codec is MediaCodec.H264 or MediaCodec.H265;
    public bool IsAudio => Codec is MediaCodec.Aac or MediaCodec.Pcmu or MediaCodec.Pcma;

    /// <summary>Same codec and the same setup, so that a publisher can go on across a camera reconnect.</summary>
    public bool SameFormat(SdpTrack other) =>
        Codec == other.Codec && ClockRate == other.ClockRate && Channels == other.Channels
        && (AudioConfig ?? []).AsSpan().SequenceEqual(other.AudioConfig ?? []);

    /// <summary>The value of one fmtp parameter (names compare without case, RFC 4566 section 6).</summary>
    public string? FmtpValue(string name)
    {
        if (Fmtp is null)
        {
            return null;
        }
        foreach (var part in Fmtp.Split(';'))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part.AsSpan(0, eq).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return part[(eq + 1)..].Trim();
            }
        }
        return null;
    }
}

/// <summary>
/// A session description (RFC 4566) as cameras send it in answer to DESCRIBE: the tracks, their
/// codecs and parameters. Tolerant: a line it cannot read is skipped, never fatal.
/// </summary>
internal sealed class Sdp
{
    /// <summary>More m= sections than any camera has: the rest are ignored.</summary>
    public const int MaxTracks = 8;

    public List<SdpTrack> Tracks { get; } = [];

    /// <summary>The session-level a=control, if any.</summary>
    public string? Control { get; private set; }

    public static Sdp Parse(string text)
    {
        var sdp = new Sdp();
        SdpTrack? track = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length < 2 || line[1] != '=')
            {
                continue;
            }
            var value = line[2..];
            if (line[0] == 'm')
            {
                track = null;
                if (sdp.Tracks.Count >= MaxTracks)
                {
                    continue;
                }
                // m=<media> <port> <proto> <fmt> ...: the first format is the one cameras send.
                var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                track = new SdpTrack { Media = parts[0].ToLowerInvariant() };
                if (parts.Length >= 4 && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var pt) && pt < 128)
                {
                    track.PayloadType = pt;
                }
                sdp.Tracks.Add(track);
            }
            else if (line[0] == 'a')
            {
                if (value.StartsWith("control:", StringComparison.OrdinalIgnoreCase))
                {
                    var control = value[8..].Trim();
                    if (track is null)
                    {
                        sdp.Control = control;
                    }
                    else
                    {
                        track.Control = control;
                    }
                }
                else if (track is not null && value.StartsWith("rtpmap:", StringComparison.OrdinalIgnoreCase) && ForThisTrack(value[7..], track, out var map))
                {
                    // rtpmap:<pt> <encoding>/<clock>[/<channels>]
                    var parts = map.Split('/');
                    track.EncodingName = parts[0].Trim();
                    if (parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var clock))
                    {
                        track.ClockRate = clock;
                    }
                    if (parts.Length > 2 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var channels) && channels is > 0 and <= 8)
                    {
                        track.Channels = channels;
                    }
                }
                else if (track is not null && value.StartsWith("fmtp:", StringComparison.OrdinalIgnoreCase) && ForThisTrack(value[5..], track, out var fmtp))
                {
                    track.Fmtp = fmtp;
                }
            }
        }
        foreach (var t in sdp.Tracks)
        {
            Interpret(t);
        }
        return sdp;
    }

    /// <summary>"&lt;pt&gt; rest": true with the rest when pt is the track's payload type.</summary>
    private static bool ForThisTrack(string text, SdpTrack track, out string rest)
    {
        var space = text.IndexOf(' ');
        rest = space < 0 ? "" : text[(space + 1)..].Trim();
        return space > 0 && int.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var pt) && pt == track.PayloadType;
    }

    private static void Interpret(SdpTrack t)
    {
        // Static payload types (RFC 3551) need no rtpmap.
        if (t.EncodingName.Length == 0 && t.PayloadType is 0 or 8)
        {
            t.EncodingName = t.PayloadType == 0 ? "PCMU" : "PCMA";
            t.ClockRate = 8000;
        }
        var name = t.EncodingName.ToUpperInvariant();
        t.Codec = name switch
        {
            "H264" => MediaCodec.H264,
            "H265" or "HEVC" => MediaCodec.H265,
            "MPEG4-GENERIC" when t.Media == "audio" => MediaCodec.Aac,
            "PCMU" => MediaCodec.Pcmu,
            "PCMA" => MediaCodec.Pcma,
            _ => MediaCodec.Unknown,
        };
        if (t.ClockRate <= 0)
        {
            t.Codec = MediaCodec.Unknown;
            return;
        }
        switch (t.Codec)
        {
            case MediaCodec.H264:
                t.PacketizationMode = Int(t.FmtpValue("packetization-mode"), 0);
                t.ParameterSets = Base64List(t.FmtpValue("sprop-parameter-sets"));
                break;
            case MediaCodec.H265:
                t.ParameterSets = [.. Base64List(t.FmtpValue("sprop-vps")), .. Base64List(t.FmtpValue("sprop-sps")), .. Base64List(t.FmtpValue("sprop-pps"))];
                break;
            case MediaCodec.Aac:
                // RFC 3640: AAC-hbr has 13-bit sizes and 3-bit indexes; other modes say theirs.
                t.SizeLength = Int(t.FmtpValue("sizelength"), 0);
                t.IndexLength = Int(t.FmtpValue("indexlength"), 0);
                t.IndexDeltaLength = Int(t.FmtpValue("indexdeltalength"), 0);
                t.AudioConfig = Hex(t.FmtpValue("config"));
                if (t.AudioConfig is null || t.SizeLength is < 0 or > 32 || t.IndexLength is < 0 or > 32 || t.IndexDeltaLength is < 0 or > 32)
                {
                    // Without its AudioSpecificConfig no muxer can describe the stream.
                    t.Codec = MediaCodec.Unknown;
                }
                break;
        }
    }

    private static int Int(string? text, int fallback) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    /// <summary>Comma-separated base64 parameter sets; a part that is not base64 is left out.</summary>
    private static byte[][] Base64List(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        var list = new List<byte[]>();
        foreach (var part in text.Split(','))
        {
            // Sliced through a span: an array range (bytes[..n]) would link the runtime type loader.
            var bytes = new byte[part.Length];
            if (Convert.TryFromBase64String(part.Trim(), bytes, out var n) && n > 0)
            {
                list.Add(bytes.AsSpan(0, n).ToArray());
            }
        }
        return [.. list];
    }

    private static byte[]? Hex(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length % 2 != 0 || text.Length > 256)
        {
            return null;
        }
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
