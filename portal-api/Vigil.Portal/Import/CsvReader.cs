using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Unicode;

namespace Vigil.Portal.Import;

/// <summary>
/// One record of a CSV file: its fields, or why it cannot be read, with the physical line where it
/// starts (1 for the first line) so that an error can point at the line an editor shows.
/// </summary>
public readonly record struct CsvRecord(int Line, string[]? Fields, string? Error);

/// <summary>
/// An RFC 4180 reader that parses straight from a <see cref="PipeReader"/>, one record at a time, so
/// that a file of any length passes through a fixed amount of memory. It takes a UTF-8 byte order
/// mark, CRLF or LF (or a lone CR) line ends, quoted fields with "" for a quote and line breaks
/// inside quotes. Everything read off the wire is capped: a field at <c>maxField</c> bytes, a
/// record at <c>maxRecord</c>. A record that breaks a rule is returned as an error at once and the
/// rest of it is skipped without being kept, so the next record starts where it should and the
/// line numbers stay right.
/// </summary>
public sealed class CsvReader : IDisposable
{
    public const int DefaultMaxField = 64 * 1024;
    public const int DefaultMaxRecord = 1024 * 1024;

    // The bytes that end a run of ordinary text: outside quotes, and inside them.
    private static readonly SearchValues<byte> UnquotedStops = SearchValues.Create(",\"\r\n"u8);
    private static readonly SearchValues<byte> QuotedStops = SearchValues.Create("\"\r\n"u8);

    private readonly PipeReader _input;
    private readonly int _maxField;
    private readonly int _maxRecord;

    private ReadOnlySequence<byte> _read;
    private ReadOnlySequence<byte> _rest;
    private bool _holding;
    private bool _completed;
    private bool _finished;
    private bool _bomChecked;

    // The record being assembled: its bytes, where each field ends, and where it started.
    private byte[] _bytes = new byte[1024];
    private int _length;
    private int _fieldStart;
    private readonly List<int> _fieldEnds = [];
    private State _state;
    private bool _started;
    private int _recordLine;
    // Set once the record has failed: what is left of it is skipped, not kept.
    private bool _skipping;
    private CsvRecord? _emit;

    // The physical line of the next byte, and whether the last byte was a CR (a following LF belongs to it).
    private int _line = 1;
    private bool _afterCr;

    public CsvReader(PipeReader input, int maxField = DefaultMaxField, int maxRecord = DefaultMaxRecord)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxField, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecord, maxField);
        _input = input;
        _maxField = maxField;
        _maxRecord = maxRecord;
    }

    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        // A quote inside a quoted field: the next byte says whether it was "" or the closing one.
        QuoteInQuoted,
        AfterQuoted,
    }

    /// <summary>The next record, or null at the end of the input. Blank lines between records are passed over.</summary>
    public async ValueTask<CsvRecord?> ReadAsync(CancellationToken ct = default)
    {
        while (true)
        {
            if (!_holding)
            {
                if (_completed)
                {
                    return Finish();
                }
                var result = await _input.ReadAsync(ct).ConfigureAwait(false);
                _read = _rest = result.Buffer;
                _completed = result.IsCompleted;
                _holding = true;
                if (!_bomChecked && CheckBom() is { } refusal)
                {
                    return refusal;
                }
                if (!_bomChecked)
                {
                    continue;
                }
            }
            while (!_rest.IsEmpty)
            {
                var used = Consume(_rest.FirstSpan);
                _rest = _rest.Slice(used);
                if (_emit is { } record)
                {
                    _emit = null;
                    return record;
                }
            }
            // Every byte read has been copied or skipped: nothing is left in the pipe for us.
            _input.AdvanceTo(_read.End);
            _holding = false;
        }
    }

    /// <summary>
    /// Gives back a read still held, when the caller stops before the end (a bad header): the
    /// server drains the rest of the body, and it cannot while a read is held.
    /// </summary>
    public void Dispose()
    {
        if (_holding)
        {
            _input.AdvanceTo(_rest.Start, _rest.End);
            _holding = false;
        }
    }

    /// <summary>
    /// Drops a UTF-8 byte order mark; refuses UTF-16, whose every other byte is a NUL. Waits for
    /// three bytes (or the end) before it decides.
    /// </summary>
    private CsvRecord? CheckBom()
    {
        if (_rest.Length < 3 && !_completed)
        {
            _input.AdvanceTo(_read.Start, _read.End);
            _holding = false;
            return null;
        }
        _bomChecked = true;
        Span<byte> head = stackalloc byte[3];
        var n = (int)Math.Min(3, _rest.Length);
        _rest.Slice(0, n).CopyTo(head);
        head = head[..n];
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            _rest = _rest.Slice(3);
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            _finished = _completed = true;
            _input.AdvanceTo(_read.End);
            _holding = false;
            return new CsvRecord(1, null, "the file is UTF-16 text; send it as UTF-8");
        }
        return null;
    }

    private int Consume(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length && _emit is null)
        {
            var b = span[i];
            switch (_state)
            {
                case State.Quoted:
                {
                    var rest = span[i..];
                    var stop = rest.IndexOfAny(QuotedStops);
                    var run = stop < 0 ? rest : rest[..stop];
                    if (run.Length > 0)
                    {
                        _afterCr = false;
                        Keep(run);
                        i += run.Length;
                        continue;
                    }
                    i++;
                    if (b == '"')
                    {
                        _afterCr = false;
                        _state = State.QuoteInQuoted;
                    }
                    else
                    {
                        // A line break inside quotes is part of the field, and still a physical line.
                        CountLineBreak(b);
                        Keep(span.Slice(i - 1, 1));
                    }
                    break;
                }
                case State.QuoteInQuoted when b == '"':
                    i++;
                    Keep("\""u8);
                    _state = State.Quoted;
                    break;
                case State.QuoteInQuoted:
                    // The quote before this byte closed the field; look at this byte again after it.
                    _state = State.AfterQuoted;
                    break;
                default:
                    i += Outside(span[i..]);
                    break;
            }
        }
        return i;
    }

    /// <summary>A step outside quotes: a separator, a line end, an opening quote or a run of text. Returns the bytes used.</summary>
    private int Outside(ReadOnlySpan<byte> span)
    {
        var b = span[0];
        if (b is (byte)'\r' or (byte)'\n')
        {
            var crlf = b == '\n' && _afterCr;
            CountLineBreak(b);
            if (!crlf && (_started || _skipping))
            {
                EndRecord();
            }
            return 1;
        }
        _afterCr = false;
        Begin();
        if (b == ',')
        {
            EndField();
            _state = State.FieldStart;
            return 1;
        }
        if (_state == State.AfterQuoted)
        {
            Fail("text after a closing quote (a field that holds a quote must be quoted whole, with the quote doubled)");
            _state = State.Unquoted;
            return 0;
        }
        if (b == '"')
        {
            if (_state == State.FieldStart)
            {
                _state = State.Quoted;
            }
            else
            {
                // Kept as text once the record is being skipped, so the skip ends at this physical line.
                Fail("a quote inside an unquoted field (quote the whole field and double the quote)");
                Keep(span[..1]);
            }
            return 1;
        }
        var stop = span.IndexOfAny(UnquotedStops);
        var run = stop < 0 ? span : span[..stop];
        _state = State.Unquoted;
        Keep(run);
        return run.Length;
    }

    private void Begin()
    {
        if (!_started)
        {
            _started = true;
            _recordLine = _line;
        }
    }

    private void CountLineBreak(byte b)
    {
        if (b == '\n' && _afterCr)
        {
            _afterCr = false;
            return;
        }
        _line++;
        _afterCr = b == '\r';
    }

    private void Keep(ReadOnlySpan<byte> run)
    {
        if (_skipping || run.IsEmpty)
        {
            return;
        }
        if (_length - _fieldStart + run.Length > _maxField)
        {
            Fail($"a field is longer than {_maxField:N0} bytes");
            return;
        }
        if (_length + run.Length + _fieldEnds.Count > _maxRecord)
        {
            Fail($"the record is longer than {_maxRecord:N0} bytes");
            return;
        }
        if (_length + run.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Min(_maxRecord, Math.Max(_bytes.Length * 2, _length + run.Length)));
        }
        run.CopyTo(_bytes.AsSpan(_length));
        _length += run.Length;
    }

    private void EndField()
    {
        if (_skipping)
        {
            return;
        }
        if (_length + _fieldEnds.Count + 1 > _maxRecord)
        {
            Fail($"the record is longer than {_maxRecord:N0} bytes");
            return;
        }
        _fieldEnds.Add(_length);
        _fieldStart = _length;
    }

    private void Fail(string error)
    {
        if (!_skipping)
        {
            _skipping = true;
            _emit = new CsvRecord(_recordLine, null, error);
        }
    }

    private void EndRecord()
    {
        EndField();
        if (!_skipping)
        {
            _emit = Decode();
        }
        _length = _fieldStart = 0;
        _fieldEnds.Clear();
        _state = State.FieldStart;
        _started = _skipping = false;
    }

    private CsvRecord Decode()
    {
        var fields = new string[_fieldEnds.Count];
        var start = 0;
        for (var f = 0; f < fields.Length; f++)
        {
            var bytes = _bytes.AsSpan(start, _fieldEnds[f] - start);
            if (!Utf8.IsValid(bytes))
            {
                return new CsvRecord(_recordLine, null, $"field {f + 1} is not UTF-8 text");
            }
            if (bytes.Contains((byte)0))
            {
                return new CsvRecord(_recordLine, null, $"field {f + 1} holds a NUL byte (binary data is not CSV)");
            }
            fields[f] = bytes.IsEmpty ? "" : Encoding.UTF8.GetString(bytes);
            start = _fieldEnds[f];
        }
        return new CsvRecord(_recordLine, fields, null);
    }

    /// <summary>The end of the input: the last record if it had no line end, or an unclosed quote.</summary>
    private CsvRecord? Finish()
    {
        if (_finished)
        {
            return null;
        }
        _finished = true;
        if (_state == State.Quoted && !_skipping)
        {
            return new CsvRecord(_recordLine, null, "a quoted field is not closed before the end of the file");
        }
        if (_started || _skipping)
        {
            EndRecord();
        }
        var last = _emit;
        _emit = null;
        return last;
    }
}
