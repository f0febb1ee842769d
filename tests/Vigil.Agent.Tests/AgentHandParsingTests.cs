using System.Globalization;
using NUnit.Framework;
using Vigil.Agent;

namespace Vigil.Agent.Tests;

/// <summary>
/// The agent parses and formats a few things by hand to keep its binary small; each must match the
/// framework call it replaced.
/// </summary>
public sealed class AgentHandParsingTests
{
    [TestCase("20")]
    [TestCase("0.5")]
    [TestCase(".25")]
    [TestCase("5.")]
    [TestCase("1.2345678")]
    [TestCase("86400")]
    [TestCase("86400.0")]
    [TestCase("86400.5")]
    [TestCase("86401")]
    [TestCase("0")]
    [TestCase("0.0")]
    [TestCase("")]
    [TestCase(".")]
    [TestCase("1.2.3")]
    [TestCase("-1")]
    [TestCase("+1")]
    [TestCase("1e3")]
    [TestCase("1,5")]
    [TestCase("99999999999999999999999")]
    [TestCase("000000000000000000000003.5")]
    public void SecondsMatchDoubleParsing(string text)
    {
        var expectedOk = double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 86400;
        Assert.That(AgentConfig.TryParseSeconds(text, out var parsed), Is.EqualTo(expectedOk));
        if (expectedOk)
        {
            Assert.That(parsed.Ticks, Is.EqualTo(TimeSpan.FromSeconds(s).Ticks).Within(1));
        }
    }

    [Test]
    public void TenthsMatchTheFormatString()
    {
        var random = new Random(7);
        long[] ticks = [0, 1, 499_999, 500_000, 2_500_000, 9_950_000, 10_000_000, 600_000_000, 149_999_999, 150_000_000];
        foreach (var t in ticks.Concat(Enumerable.Range(0, 2000).Select(_ => random.NextInt64(0, 600_000_000))))
        {
            var span = TimeSpan.FromTicks(t);
            Assert.That(AgentRunner.Tenths(span), Is.EqualTo(span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)), $"{t} ticks");
        }
    }

    [TestCase("user:pass")]
    [TestCase("us%65r:p%40ss%3A")]
    [TestCase("%C3%A9t%C3%A9")]
    [TestCase("bad%C3")]
    [TestCase("bad%FF%FEx")]
    [TestCase("trailing%")]
    [TestCase("trailing%4")]
    [TestCase("%zz%41")]
    [TestCase("%%41")]
    [TestCase("%F0%9F%98%80")]
    public void UnescapeMatchesUri(string text)
    {
        Assert.That(ProxyEndpoint.Unescape(text), Is.EqualTo(Uri.UnescapeDataString(text)));
    }

    [Test]
    public void IsoTimeMatchesTheFormatStrings()
    {
        var random = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            var t = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
            Assert.That(IsoTime.Format(t, milliseconds: true), Is.EqualTo(t.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)));
            Assert.That(IsoTime.Format(t, milliseconds: false), Is.EqualTo(t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)));
        }
    }

    [TestCase("")]
    [TestCase("a")]
    [TestCase("a\n")]
    [TestCase("a\n\n")]
    [TestCase("a\r\nb\rc\n\rd")]
    [TestCase("\uFEFFrelay = x\r\n# é\n")]
    [TestCase("\n\r\n\r")]
    public void TextFileSplitsLinesLikeFile(string text)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, text, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            Assert.That(TextFile.ReadAllLines(path), Is.EqualTo(File.ReadAllLines(path)));
            Assert.That(TextFile.ReadAllText(path), Is.EqualTo(File.ReadAllText(path)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>AtomicFile writes with open/write/fsync; its failures must be the exceptions FileStream raised.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AtomicFileTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("vigil-atomic").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void WritesContentWithOwnerOnlyMode()
    {
        var path = Path.Combine(_dir, "status");
        File.WriteAllText(path, "old content that is longer");
        AtomicFile.Write(path, "new"u8);
        Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
        Assert.That(File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite), Is.EqualTo(UnixFileMode.None));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }

    [TestCase("missing/status")]
    [TestCase("file/status")]
    public void FailsLikeFileStream(string relative)
    {
        File.WriteAllText(Path.Combine(_dir, "file"), "x");
        var path = Path.Combine(_dir, relative);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".status.{Environment.ProcessId}.tmp");
        var expected = Assert.Catch(() => new FileStream(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }).Dispose());
        var actual = Assert.Catch(() => AtomicFile.Write(path, "x"u8));
        Assert.That(actual!.GetType(), Is.EqualTo(expected!.GetType()));
        if (actual.GetType() == typeof(IOException))
        {
            Assert.That(actual.Message, Is.EqualTo(expected.Message));
        }
    }
}
