using System.IO.Pipelines;
using System.Text;
using Vigil.Portal.Import;

namespace Vigil.Portal.Tests;

public sealed class CsvReaderTests
{
    [Test]
    public async Task ReadsFieldsAndLinesWithLfOrCrlf()
    {
        foreach (var eol in new[] { "\n", "\r\n", "\r" })
        {
            var records = await ReadAllAsync($"name,title{eol}cam1,First{eol}cam2,{eol}");
            Assert.That(records.Select(r => r.Line), Is.EqualTo(new[] { 1, 2, 3 }), Escape(eol));
            Assert.That(records[1].Fields, Is.EqualTo(new[] { "cam1", "First" }));
            Assert.That(records[2].Fields, Is.EqualTo(new[] { "cam2", "" }), "an empty last field is a field");
        }
    }

    [Test]
    public async Task TheLastRecordNeedsNoLineEndAndBlankLinesAreSkippedButCounted()
    {
        var records = await ReadAllAsync("a,b\r\n\r\n1,2\n\n\n3,4");
        Assert.That(records.Select(r => (r.Line, string.Join('|', r.Fields!))), Is.EqualTo(new[] { (1, "a|b"), (3, "1|2"), (6, "3|4") }));
    }

    [Test]
    public async Task AUtf8ByteOrderMarkIsDroppedAndUtf16IsRefused()
    {
        var withBom = await ReadAllAsync([0xEF, 0xBB, 0xBF, .. "name\ncam\n"u8]);
        Assert.That(withBom[0].Fields, Is.EqualTo(new[] { "name" }), "the BOM is not part of the first column's name");
        Assert.That(withBom, Has.Count.EqualTo(2));

        var utf16 = await ReadAllAsync([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("name\ncam\n")]);
        Assert.That(utf16, Has.Count.EqualTo(1));
        Assert.That(utf16[0].Error, Does.Contain("UTF-16"));
    }

    [Test]
    public async Task QuotedFieldsHoldCommasQuotesAndLineBreaksAndLinesStayRight()
    {
        const string text = "name,comment\n" +
                            "cam1,\"one, two\"\n" +
                            "cam2,\"say \"\"hi\"\"\"\n" +
                            "cam3,\"line one\r\nline two\nline three\"\n" +
                            "cam4,\"\"\n" +
                            "cam5,after\n";
        var records = await ReadAllAsync(text);
        Assert.That(records.Select(r => r.Line), Is.EqualTo(new[] { 1, 2, 3, 4, 7, 8 }), "a record is numbered by the line it starts on");
        Assert.That(records[1].Fields![1], Is.EqualTo("one, two"));
        Assert.That(records[2].Fields![1], Is.EqualTo("say \"hi\""));
        Assert.That(records[3].Fields![1], Is.EqualTo("line one\r\nline two\nline three"), "line breaks inside quotes are kept as sent");
        Assert.That(records[4].Fields![1], Is.EqualTo(""));
        Assert.That(records[5].Fields, Is.EqualTo(new[] { "cam5", "after" }));
    }

    [Test]
    public async Task MultiByteTextSurvivesEverySplit()
    {
        var records = await ReadAllAsync("name,title\ncam,\"Склад №2, 東京 🎥\"\n", chunk: 1);
        Assert.That(records[1].Fields![1], Is.EqualTo("Склад №2, 東京 🎥"));
    }

    [Test]
    public async Task EverySplitOfTheInputGivesTheSameRecords()
    {
        // The reader keeps its state between reads: a CRLF, a "" or a UTF-8 character cut across two
        // reads must come out as if it had arrived whole.
        const string text = "\uFEFFname,comment\r\ncam1,\"a \"\"quoted\"\"\r\nbreak, and ü\"\r\n\r\ncam2,plain\rcam3,\"\"\n";
        var whole = Describe(await ReadAllAsync(text));
        foreach (var chunk in new[] { 1, 2, 3, 5, 7 })
        {
            Assert.That(Describe(await ReadAllAsync(text, chunk)), Is.EqualTo(whole), $"chunks of {chunk}");
        }
        Assert.That(whole, Is.EqualTo("1:name|comment 2:cam1|a \"quoted\"\r\nbreak, and ü 5:cam2|plain 6:cam3|"));
    }

    [Test]
    public async Task AnUnclosedQuoteIsAnErrorOnTheLineWhereTheRecordStarts()
    {
        var records = await ReadAllAsync("name,comment\ncam1,ok\ncam2,\"never closed\nmore\n");
        Assert.That(records[2].Line, Is.EqualTo(3));
        Assert.That(records[2].Error, Does.Contain("not closed"));
        Assert.That(records, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task BadQuotesFailTheirRecordAndTheNextOneReadsOnItsOwnLine()
    {
        var records = await ReadAllAsync("name,comment\ncam1,ab\"c\ncam2,\"ab\"c,\"x\ny\"\ncam3,fine\n");
        Assert.That(records[1].Line, Is.EqualTo(2));
        Assert.That(records[1].Error, Does.Contain("quote inside an unquoted field"));
        Assert.That(records[2].Line, Is.EqualTo(3));
        Assert.That(records[2].Error, Does.Contain("after a closing quote"));
        // The skipped rest of line 3 holds a quoted line break: the next record is on line 5.
        Assert.That(records[3], Is.EqualTo(new CsvRecord(5, records[3].Fields, null)));
        Assert.That(records[3].Fields, Is.EqualTo(new[] { "cam3", "fine" }));
    }

    [Test]
    public async Task AnOversizeFieldIsReportedAndSkippedWithoutBeingKept()
    {
        var big = new string('x', 100);
        var records = await ReadAllAsync($"name,comment\ncam1,{big}\ncam2,\"{big}\n{big}\"\ncam3,short\n", chunk: 7, maxField: 32, maxRecord: 64);
        Assert.That(records.Select(r => (r.Line, r.Error)), Is.EqualTo(new[]
        {
            (1, (string?)null), (2, "a field is longer than 32 bytes"), (3, "a field is longer than 32 bytes"), (5, null),
        }));
        Assert.That(records[3].Fields, Is.EqualTo(new[] { "cam3", "short" }));
    }

    [Test]
    public async Task ARecordOfManySmallFieldsIsCappedToo()
    {
        var wide = string.Join(',', Enumerable.Repeat("abcd", 20));
        var records = await ReadAllAsync($"a\n{wide}\nb\n", maxField: 32, maxRecord: 64);
        Assert.That(records[1].Error, Is.EqualTo("the record is longer than 64 bytes"));
        Assert.That(records[2], Is.EqualTo(new CsvRecord(3, records[2].Fields, null)));
        var commas = await ReadAllAsync($"a\n{new string(',', 200)}\nb\n", maxField: 32, maxRecord: 64);
        Assert.That(commas[1].Error, Is.EqualTo("the record is longer than 64 bytes"), "empty fields count against the record too");
    }

    [Test]
    public async Task BinaryIsNotText()
    {
        var records = await ReadAllAsync([.. "name\n"u8, 0xC3, 0x28, .. "\nok\n"u8, 0x00, 0x01, .. "\n"u8]);
        Assert.That(records[1].Error, Is.EqualTo("field 1 is not UTF-8 text"));
        Assert.That(records[2].Fields, Is.EqualTo(new[] { "ok" }));
        Assert.That(records[3].Error, Does.Contain("NUL"));
    }

    [Test]
    public async Task EmptyInputHasNoRecords()
    {
        Assert.That(await ReadAllAsync(""), Is.Empty);
        Assert.That(await ReadAllAsync([0xEF, 0xBB, 0xBF]), Is.Empty);
        Assert.That(await ReadAllAsync("\r\n\n"), Is.Empty);
    }

    [Test]
    public async Task ARecordIsReturnedBeforeTheRestOfTheInputHasArrived()
    {
        var pipe = new Pipe();
        var reader = new CsvReader(pipe.Reader);
        await pipe.Writer.WriteAsync("name\ncam1\n"u8.ToArray());
        Assert.That((await reader.ReadAsync())!.Value.Fields, Is.EqualTo(new[] { "name" }));
        Assert.That((await reader.ReadAsync())!.Value.Fields, Is.EqualTo(new[] { "cam1" }));
        var third = reader.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.That(third.IsCompleted, Is.False, "nothing more has been sent, so nothing more can be read");
        await pipe.Writer.WriteAsync("cam2\n"u8.ToArray());
        Assert.That((await third)!.Value.Fields, Is.EqualTo(new[] { "cam2" }));
        await pipe.Writer.CompleteAsync();
        Assert.That(await reader.ReadAsync(), Is.Null);
    }

    private static string Escape(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Describe(IEnumerable<CsvRecord> records) =>
        string.Join(' ', records.Select(r => $"{r.Line}:{(r.Error is null ? string.Join('|', r.Fields!) : "!" + r.Error)}"));

    private static Task<List<CsvRecord>> ReadAllAsync(string text, int chunk = 4096, int maxField = CsvReader.DefaultMaxField, int maxRecord = CsvReader.DefaultMaxRecord) =>
        ReadAllAsync(Encoding.UTF8.GetBytes(text), chunk, maxField, maxRecord);

    /// <summary>Reads through a stream that hands out at most <paramref name="chunk"/> bytes a read, so records, CRLFs and characters get cut.</summary>
    private static async Task<List<CsvRecord>> ReadAllAsync(byte[] bytes, int chunk = 4096, int maxField = CsvReader.DefaultMaxField, int maxRecord = CsvReader.DefaultMaxRecord)
    {
        var pipe = PipeReader.Create(new TrickleStream(bytes, chunk), new StreamPipeReaderOptions(bufferSize: chunk, minimumReadSize: 1));
        var reader = new CsvReader(pipe, maxField, maxRecord);
        var records = new List<CsvRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }
        return records;
    }

    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
