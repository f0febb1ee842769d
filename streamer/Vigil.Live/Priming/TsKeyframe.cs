namespace Vigil.Live.Priming;

/// <summary>
/// The newest complete H.264 keyframe of an MPEG-TS file (one of nginx-rtmp's HLS fragments): its
/// access unit in Annex B (SPS and PPS included, as nginx-rtmp writes them before each keyframe),
/// its presentation time and the presentation time of the access unit after it (90 kHz).
/// </summary>
internal sealed record TsKeyframe(byte[] AccessUnit, long Pts, long NextPts)
{
    /// <summary>Larger fragments are not read: an hour-long HLS fragment is no start for live.</summary>
    public const int MaxFileBytes = 32 << 20;
    /// <summary>A keyframe larger than this is dropped (a 4K camera's I-frame is a few hundred KB).</summary>
    public const int MaxAccessUnitBytes = 4 << 20;

    private const int PacketSize = 188;
    private const byte StreamTypeH264 = 0x1B;

    /// <summary>
    /// Reads <paramref name="ts"/> (the bytes of a fragment, maybe still being written) and returns its
    /// last keyframe that another video access unit follows (so it is whole), or null: not MPEG-TS, no
    /// H.264, no keyframe, or only an unfinished one. Whatever the bytes, it reads each once and keeps
    /// at most one access unit of <see cref="MaxAccessUnitBytes"/> besides the keyframe found.
    /// </summary>
    public static TsKeyframe? Last(ReadOnlySpan<byte> ts)
    {
        if (ts.Length > MaxFileBytes)
        {
            return null;
        }
        var pmtPid = -1;
        var videoPid = -1;
        var unit = new MemoryStream();
        var unitPts = -1L;
        var unitBroken = false;
        TsKeyframe? last = null;
        for (var at = 0; at + PacketSize <= ts.Length; at += PacketSize)
        {
            var packet = ts.Slice(at, PacketSize);
            if (packet[0] != 0x47)
            {
                // Lost sync: what was read so far stands, the rest is not trusted.
                break;
            }
            var start = (packet[1] & 0x40) != 0;
            var pid = ((packet[1] & 0x1F) << 8) | packet[2];
            var adaptation = (packet[3] >> 4) & 0x3;
            var payloadAt = 4;
            if (adaptation is 2 or 3)
            {
                payloadAt += 1 + packet[4];
            }
            if (adaptation is 0 or 2 || payloadAt >= PacketSize)
            {
                continue;
            }
            var payload = packet[payloadAt..];
            if (pid == 0 && start)
            {
                pmtPid = ProgramMapPid(payload);
            }
            else if (pid == pmtPid && start)
            {
                videoPid = VideoPid(payload);
            }
            else if (pid == videoPid && videoPid > 0)
            {
                if (start)
                {
                    // The unit before this one is whole now, and this one's time is the next.
                    var nextPts = PesPts(payload);
                    if (!unitBroken && unitPts >= 0 && nextPts >= 0 && nextPts != unitPts && unit.Length > 0 &&
                        AnnexB.HasUnit(unit.GetBuffer().AsSpan(0, (int)unit.Length), type: 5))
                    {
                        last = new TsKeyframe(unit.ToArray(), unitPts, nextPts);
                    }
                    unit.SetLength(0);
                    unitBroken = false;
                    unitPts = nextPts;
                    var headerEnd = PesPayloadAt(payload);
                    if (headerEnd < 0)
                    {
                        unitBroken = true;
                        continue;
                    }
                    unit.Write(payload[headerEnd..]);
                }
                else if (!unitBroken && unitPts >= 0)
                {
                    if (unit.Length + payload.Length > MaxAccessUnitBytes)
                    {
                        unitBroken = true;
                        unit.SetLength(0);
                        continue;
                    }
                    unit.Write(payload);
                }
            }
        }
        return last;
    }

    /// <summary>The PMT's PID from a PAT section (its first program that is not the network's), or -1.</summary>
    private static int ProgramMapPid(ReadOnlySpan<byte> payload)
    {
        var section = Section(payload, tableId: 0x00);
        // After the 8 bytes of the header: 4 bytes per program, then the CRC.
        for (var i = 8; i + 4 <= section.Length - 4; i += 4)
        {
            var program = (section[i] << 8) | section[i + 1];
            if (program != 0)
            {
                return ((section[i + 2] & 0x1F) << 8) | section[i + 3];
            }
        }
        return -1;
    }

    /// <summary>The PID of the first H.264 elementary stream a PMT section names, or -1.</summary>
    private static int VideoPid(ReadOnlySpan<byte> payload)
    {
        var section = Section(payload, tableId: 0x02);
        if (section.Length < 12)
        {
            return -1;
        }
        // After the 12 bytes of the header and the program's descriptors: 5 bytes and descriptors per stream, then the CRC.
        var at = 12 + (((section[10] & 0x0F) << 8) | section[11]);
        while (at + 5 <= section.Length - 4)
        {
            var type = section[at];
            var pid = ((section[at + 1] & 0x1F) << 8) | section[at + 2];
            var infoLength = ((section[at + 3] & 0x0F) << 8) | section[at + 4];
            if (type == StreamTypeH264)
            {
                return pid;
            }
            at += 5 + infoLength;
        }
        return -1;
    }

    /// <summary>A PSI section from the packet's payload (after its pointer field), from its table id to its CRC; empty if it does not fit in the packet.</summary>
    private static ReadOnlySpan<byte> Section(ReadOnlySpan<byte> payload, byte tableId)
    {
        if (payload.Length < 1 || 1 + payload[0] + 3 > payload.Length)
        {
            return [];
        }
        var section = payload[(1 + payload[0])..];
        if (section[0] != tableId)
        {
            return [];
        }
        var length = 3 + (((section[1] & 0x0F) << 8) | section[2]);
        return length <= section.Length ? section[..length] : [];
    }

    /// <summary>Where a PES packet's data begins in the payload that starts it, or -1 if it is no PES header.</summary>
    private static int PesPayloadAt(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 9 || payload[0] != 0 || payload[1] != 0 || payload[2] != 1)
        {
            return -1;
        }
        var at = 9 + payload[8];
        return at <= payload.Length ? at : -1;
    }

    /// <summary>The PES header's presentation time (33 bits, 90 kHz), or -1.</summary>
    private static long PesPts(ReadOnlySpan<byte> payload)
    {
        if (PesPayloadAt(payload) < 14 || (payload[7] & 0x80) == 0)
        {
            return -1;
        }
        var p = payload[9..14];
        return ((long)(p[0] & 0x0E) << 29) | ((long)p[1] << 22) | ((long)(p[2] & 0xFE) << 14) | ((long)p[3] << 7) | ((long)p[4] >> 1);
    }
}
