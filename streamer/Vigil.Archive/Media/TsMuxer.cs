using System.Buffers;
using System.Buffers.Binary;

namespace Vigil.Archive.Media;

/// <summary>
/// An MPEG-TS muxer (ISO/IEC 13818-1) for what an FLV recording holds: H.264 as Annex-B (an access
/// unit delimiter first, SPS and PPS before every keyframe) and AAC as ADTS, each frame one PES with
/// its PTS (and DTS) in 90 kHz units. PAT and PMT open the stream and come again before each keyframe,
/// so that any segment cut at a keyframe plays alone. Output gathers in <see cref="Output"/> for the
/// caller to send and <see cref="ClearOutput"/>.
/// </summary>
public sealed class TsMuxer
{
    public const int PacketLength = 188;
    private const ushort PmtPid = 0x1000;
    private const ushort VideoPid = 0x100;
    private const ushort AudioPid = 0x101;
    private const long TimestampMask = (1L << 33) - 1;

    private static readonly byte[] StartCode = [0, 0, 0, 1];
    private static readonly byte[] AccessUnitDelimiter = [0, 0, 0, 1, 0x09, 0xF0];

    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _pes = new(64 * 1024);
    private readonly Dictionary<ushort, byte> _continuity = [];
    private AvcConfig? _video;
    private AacConfig? _audio;
    private bool _tablesWritten;

    public ReadOnlyMemory<byte> Output => _output.WrittenMemory;

    public void ClearOutput() => _output.ResetWrittenCount();

    /// <summary>Takes an AVC sequence header; false when it is not one this muxer can use.</summary>
    public bool SetVideoConfig(ReadOnlySpan<byte> record)
    {
        var config = AvcConfig.TryParse(record);
        if (config is null)
        {
            return false;
        }
        var changed = _video is null;
        _video = config;
        _tablesWritten &= !changed;
        return true;
    }

    /// <summary>Takes an AAC AudioSpecificConfig; false when ADTS cannot carry it.</summary>
    public bool SetAudioConfig(ReadOnlySpan<byte> config)
    {
        var parsed = AacConfig.TryParse(config);
        if (parsed is null)
        {
            return false;
        }
        var changed = _audio is null;
        _audio = parsed;
        _tablesWritten &= !changed;
        return true;
    }

    public bool HasVideo => _video is not null;

    /// <summary>One H.264 frame: NAL units each after a length of the configured size, times in ms.</summary>
    public void WriteVideo(long dtsMs, long ptsMs, bool keyframe, ReadOnlySpan<byte> frame)
    {
        if (_video is null)
        {
            return;
        }
        if (keyframe || !_tablesWritten)
        {
            WriteTables();
        }
        _pes.ResetWrittenCount();
        WritePesHeader(_pes, 0xE0, 0, ToTicks(ptsMs), ToTicks(dtsMs));
        _pes.Write(AccessUnitDelimiter);
        if (keyframe)
        {
            foreach (var set in _video.ParameterSets)
            {
                _pes.Write(StartCode);
                _pes.Write(set);
            }
        }
        var size = _video.NalLengthSize;
        var at = 0;
        while (at + size <= frame.Length)
        {
            var length = size switch
            {
                1 => frame[at],
                2 => BinaryPrimitives.ReadUInt16BigEndian(frame[at..]),
                _ => (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(frame[at..]), int.MaxValue),
            };
            at += size;
            if (length <= 0 || length > frame.Length - at)
            {
                break; // a length past the frame's end: the rest is not NAL units
            }
            var nal = frame.Slice(at, length);
            at += length;
            if ((nal[0] & 0x1F) == 9)
            {
                continue; // the frame's own delimiter: one was written already
            }
            _pes.Write(StartCode);
            _pes.Write(nal);
        }
        WritePackets(VideoPid, _pes.WrittenSpan, keyframe, ToTicks(dtsMs));
    }

    /// <summary>One raw AAC frame at <paramref name="ptsMs"/>.</summary>
    public void WriteAudio(long ptsMs, ReadOnlySpan<byte> raw)
    {
        if (_audio is null || raw.Length == 0 || raw.Length > AacConfig.MaxFrameLength)
        {
            return;
        }
        if (!_tablesWritten)
        {
            WriteTables();
        }
        _pes.ResetWrittenCount();
        var pesLength = 3 + 5 + AacConfig.AdtsHeaderLength + raw.Length;
        WritePesHeader(_pes, 0xC0, pesLength, ToTicks(ptsMs), -1);
        _audio.WriteAdtsHeader(_pes.GetSpan(AacConfig.AdtsHeaderLength), raw.Length);
        _pes.Advance(AacConfig.AdtsHeaderLength);
        _pes.Write(raw);
        WritePackets(AudioPid, _pes.WrittenSpan, randomAccess: _video is null, pcr: _video is null ? ToTicks(ptsMs) : -1);
    }

    /// <summary>Wall-clock ms to the 33-bit 90 kHz clock: the same moment gets the same time in every answer, so segments of one range join without a jump.</summary>
    public static long ToTicks(long ms) => ms * 90 & TimestampMask;

    private void WriteTables()
    {
        Span<byte> section = stackalloc byte[32];
        // PAT: program 1 at the PMT's PID.
        section[0] = 0x00;
        section[1] = 0xB0;
        section[2] = 13;
        section[3] = 0x00;
        section[4] = 0x01;
        section[5] = 0xC1;
        section[6] = 0x00;
        section[7] = 0x00;
        section[8] = 0x00;
        section[9] = 0x01;
        section[10] = (byte)(0xE0 | (PmtPid >> 8));
        section[11] = (byte)(PmtPid & 0xFF);
        BinaryPrimitives.WriteUInt32BigEndian(section[12..], Crc32Mpeg.Compute(section[..12]));
        WriteSection(0, section[..16]);

        // PMT: the PCR on video (or audio alone), H.264 (0x1B) and AAC in ADTS (0x0F).
        var streams = (_video is null ? 0 : 1) + (_audio is null ? 0 : 1);
        var length = 9 + 5 * streams + 4;
        section[0] = 0x02;
        section[1] = (byte)(0xB0 | (length >> 8));
        section[2] = (byte)length;
        section[3] = 0x00;
        section[4] = 0x01;
        section[5] = 0xC1;
        section[6] = 0x00;
        section[7] = 0x00;
        var pcrPid = _video is null ? AudioPid : VideoPid;
        section[8] = (byte)(0xE0 | (pcrPid >> 8));
        section[9] = (byte)(pcrPid & 0xFF);
        section[10] = 0xF0;
        section[11] = 0x00;
        var at = 12;
        if (_video is not null)
        {
            section[at++] = 0x1B;
            section[at++] = 0xE0 | (VideoPid >> 8);
            section[at++] = VideoPid & 0xFF;
            section[at++] = 0xF0;
            section[at++] = 0x00;
        }
        if (_audio is not null)
        {
            section[at++] = 0x0F;
            section[at++] = 0xE0 | (AudioPid >> 8);
            section[at++] = AudioPid & 0xFF;
            section[at++] = 0xF0;
            section[at++] = 0x00;
        }
        BinaryPrimitives.WriteUInt32BigEndian(section[at..], Crc32Mpeg.Compute(section[..at]));
        WriteSection(PmtPid, section[..(at + 4)]);
        _tablesWritten = true;
    }

    private void WriteSection(ushort pid, ReadOnlySpan<byte> section)
    {
        var packet = _output.GetSpan(PacketLength)[..PacketLength];
        packet[0] = 0x47;
        packet[1] = (byte)(0x40 | (pid >> 8));
        packet[2] = (byte)pid;
        packet[3] = (byte)(0x10 | NextContinuity(pid));
        packet[4] = 0; // pointer_field
        section.CopyTo(packet[5..]);
        packet[(5 + section.Length)..].Fill(0xFF);
        _output.Advance(PacketLength);
    }

    private static void WritePesHeader(ArrayBufferWriter<byte> to, byte streamId, int packetLength, long pts, long dts)
    {
        var both = dts >= 0 && dts != pts;
        var span = to.GetSpan(19);
        span[0] = 0;
        span[1] = 0;
        span[2] = 1;
        span[3] = streamId;
        // Video PES may leave the length at 0 (unbounded); audio's fits in 16 bits.
        var length = packetLength == 0 ? 0 : packetLength + (both ? 5 : 0);
        span[4] = (byte)(length > 0xFFFF ? 0 : length >> 8);
        span[5] = (byte)(length > 0xFFFF ? 0 : length);
        span[6] = 0x80;
        span[7] = (byte)(both ? 0xC0 : 0x80);
        span[8] = (byte)(both ? 10 : 5);
        WriteTimestamp(span[9..], both ? 0x3 : 0x2, pts);
        if (both)
        {
            WriteTimestamp(span[14..], 0x1, dts);
        }
        to.Advance(both ? 19 : 14);
    }

    private static void WriteTimestamp(Span<byte> to, int prefix, long ticks)
    {
        to[0] = (byte)((prefix << 4) | (int)(((ticks >> 30) & 0x07) << 1) | 1);
        var mid = (int)(((ticks >> 15) & 0x7FFF) << 1) | 1;
        to[1] = (byte)(mid >> 8);
        to[2] = (byte)mid;
        var low = (int)((ticks & 0x7FFF) << 1) | 1;
        to[3] = (byte)(low >> 8);
        to[4] = (byte)low;
    }

    /// <summary>Cuts one PES into packets: the first marks its start (with a PCR and the random-access flag when asked), the last is padded by adaptation-field stuffing.</summary>
    private void WritePackets(ushort pid, ReadOnlySpan<byte> pes, bool randomAccess, long pcr)
    {
        var first = true;
        while (pes.Length > 0)
        {
            var packet = _output.GetSpan(PacketLength)[..PacketLength];
            packet[0] = 0x47;
            packet[1] = (byte)((first ? 0x40 : 0) | (pid >> 8));
            packet[2] = (byte)pid;
            var withPcr = first && pcr >= 0;
            var adaptation = withPcr ? 8 : (first && randomAccess ? 2 : 0);
            var room = PacketLength - 4 - adaptation;
            if (pes.Length < room)
            {
                // Stuffing: an adaptation field grows to fill what the payload leaves.
                adaptation += room - pes.Length;
                room = pes.Length;
            }
            packet[3] = (byte)((adaptation > 0 ? 0x30 : 0x10) | NextContinuity(pid));
            if (adaptation > 0)
            {
                packet[4] = (byte)(adaptation - 1);
                if (adaptation > 1)
                {
                    packet[5] = (byte)((first && randomAccess ? 0x40 : 0) | (withPcr ? 0x10 : 0));
                    var at = 6;
                    if (withPcr)
                    {
                        // The PCR a little before the frame's DTS, as a decoder wants the clock ahead of nothing.
                        var basis = (pcr - 9000) & TimestampMask;
                        packet[6] = (byte)(basis >> 25);
                        packet[7] = (byte)(basis >> 17);
                        packet[8] = (byte)(basis >> 9);
                        packet[9] = (byte)(basis >> 1);
                        packet[10] = (byte)(((basis & 1) << 7) | 0x7E);
                        packet[11] = 0;
                        at = 12;
                    }
                    packet[at..(4 + adaptation)].Fill(0xFF);
                }
            }
            pes[..room].CopyTo(packet[(4 + adaptation)..]);
            pes = pes[room..];
            _output.Advance(PacketLength);
            first = false;
        }
    }

    private byte NextContinuity(ushort pid)
    {
        _continuity.TryGetValue(pid, out var c);
        _continuity[pid] = (byte)((c + 1) & 0x0F);
        return c;
    }
}
