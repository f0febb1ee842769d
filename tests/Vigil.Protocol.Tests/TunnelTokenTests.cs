using System.Text;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Vigil.Protocol.Tunnels;

namespace Vigil.Protocol.Tests;

/// <summary>Tunnel tokens: one device, one port, a short life, a trusted signer; every refusal has its reason.</summary>
[TestFixture]
public sealed class TunnelTokenTests
{
    private const string Device = "abcdefghijklmnopqrstuvwx";
    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private (byte[] SigningKey, byte[] PublicKey) _portal;
    private byte[][] _trusted = [];

    [SetUp]
    public void SetUp()
    {
        _portal = TunnelToken.GenerateSigningKey();
        var (_, otherTrusted) = TunnelToken.GenerateSigningKey();
        _trusted = [otherTrusted, _portal.PublicKey];
    }

    private string Token(TimeSpan? issuedOffset = null, TimeSpan? lifetime = null, string device = Device, int port = 554, byte[]? key = null)
    {
        var iat = s_now + (issuedOffset ?? TimeSpan.FromMinutes(-1));
        return new TunnelToken
        {
            DeviceId = device,
            Port = port,
            IssuedAt = iat,
            ExpiresAt = iat + (lifetime ?? TimeSpan.FromMinutes(10)),
            Subject = "operator@example.com",
        }.Sign(key ?? _portal.SigningKey);
    }

    private string? Verify(string? text, string device = Device, int port = 554) =>
        TunnelToken.Verify(text, _trusted, device, port, s_now, out _);

    private static string B64Url(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Signs arbitrary claims as a trusted signer would (another implementation, say).</summary>
    private string SignRaw(string claimsJson)
    {
        var signed = TunnelToken.Prefix + B64Url(Encoding.UTF8.GetBytes(claimsJson));
        var message = Encoding.ASCII.GetBytes(signed);
        var signature = new byte[Ed25519.SignatureSize];
        Ed25519.Sign(_portal.SigningKey, 0, message, 0, message.Length, signature, 0);
        return signed + "." + B64Url(signature);
    }

    [Test]
    public void GoodTokenVerifiesAndCarriesItsClaims()
    {
        var text = Token();
        Assert.That(text, Does.StartWith("vt1."));
        Assert.That(TunnelToken.Verify(text, _trusted, Device, 554, s_now, out var token), Is.Null);
        Assert.That(token, Is.Not.Null);
        Assert.That(token!.DeviceId, Is.EqualTo(Device));
        Assert.That(token.Port, Is.EqualTo(554));
        Assert.That(token.Subject, Is.EqualTo("operator@example.com"));
        Assert.That(token.IssuedAt, Is.EqualTo(s_now - TimeSpan.FromMinutes(1)));
        Assert.That(token.ExpiresAt, Is.EqualTo(s_now + TimeSpan.FromMinutes(9)));
    }

    [Test]
    public void ExactlyOneHourAndSmallClockSkewAreAccepted()
    {
        Assert.That(Verify(Token(issuedOffset: TimeSpan.FromMinutes(-1), lifetime: TunnelToken.MaxLifetime)), Is.Null);
        Assert.That(Verify(Token(issuedOffset: TimeSpan.FromMinutes(1))), Is.Null, "a signer clock a minute ahead");
    }

    [Test]
    public void Expired()
    {
        Assert.That(Verify(Token(issuedOffset: TimeSpan.FromMinutes(-20), lifetime: TimeSpan.FromMinutes(10))), Is.EqualTo("expired"));
        Assert.That(Verify(Token(issuedOffset: TimeSpan.FromMinutes(-10), lifetime: TimeSpan.FromMinutes(10))), Is.EqualTo("expired"), "expiry is exclusive");
    }

    [Test]
    public void NotYetValid()
    {
        Assert.That(Verify(Token(issuedOffset: TimeSpan.FromMinutes(3))), Is.EqualTo("bad_lifetime"));
        Assert.That(Verify(Token(issuedOffset: TimeSpan.FromDays(365))), Is.EqualTo("bad_lifetime"));
    }

    [Test]
    public void LifetimeOverAnHour()
    {
        Assert.That(Verify(Token(lifetime: TunnelToken.MaxLifetime + TimeSpan.FromSeconds(1))), Is.EqualTo("bad_lifetime"));
        Assert.That(Verify(Token(lifetime: TimeSpan.FromDays(30))), Is.EqualTo("bad_lifetime"));
    }

    [Test]
    public void SignedByAnUntrustedKey()
    {
        var (stranger, _) = TunnelToken.GenerateSigningKey();
        Assert.That(Verify(Token(key: stranger)), Is.EqualTo("bad_signature"));
        Assert.That(TunnelToken.Verify(Token(), [], Device, 554, s_now, out var token), Is.EqualTo("bad_signature"), "no trusted key at all");
        Assert.That(token, Is.Null);
        Assert.That(TunnelToken.Verify(Token(), [new byte[31], new byte[33]], Device, 554, s_now, out _), Is.EqualTo("bad_signature"));
    }

    [Test]
    public void TamperedClaims()
    {
        var good = Token();
        var dot = good.LastIndexOf('.');
        var claims = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(good[4..dot].Replace('-', '+').Replace('_', '/'))));
        var forged = claims.Replace("554", "555");
        Assert.That(forged, Is.Not.EqualTo(claims));
        var text = "vt1." + B64Url(Encoding.UTF8.GetBytes(forged)) + good[dot..];
        Assert.That(Verify(text, port: 555), Is.EqualTo("bad_signature"));

        // One character of the claims changed.
        var chars = good.ToCharArray();
        chars[6] = chars[6] == 'A' ? 'B' : 'A';
        Assert.That(Verify(new string(chars)), Is.EqualTo("bad_signature"));
    }

    private static string Pad(string s) => s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');

    [Test]
    public void TamperedSignature()
    {
        var good = Token();
        var chars = good.ToCharArray();
        var i = good.LastIndexOf('.') + 10;
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        Assert.That(Verify(new string(chars)), Is.EqualTo("bad_signature"));
        // A signature of the wrong length is malformed rather than merely wrong.
        Assert.That(Verify(good[..^4]), Is.EqualTo("malformed"));
    }

    [Test]
    public void WrongDeviceOrPort()
    {
        var text = Token();
        Assert.That(Verify(text, device: "bbcdefghijklmnopqrstuvwx"), Is.EqualTo("wrong_scope"));
        Assert.That(Verify(text, device: Device.ToUpperInvariant()), Is.EqualTo("wrong_scope"));
        Assert.That(Verify(text, port: 80), Is.EqualTo("wrong_scope"));
    }

    public static IEnumerable<TestCaseData> Garbage()
    {
        yield return new TestCaseData((string?)null).SetName("null");
        yield return new TestCaseData("").SetName("empty");
        yield return new TestCaseData("vt1.").SetName("prefix only");
        yield return new TestCaseData("vt1..").SetName("prefix and dot");
        yield return new TestCaseData("vt2.e30.AAAA").SetName("other version");
        yield return new TestCaseData("VT1.e30.AAAA").SetName("upper-case prefix");
        yield return new TestCaseData("vt1.e30").SetName("no signature part");
        yield return new TestCaseData("vt1.e30." + new string('A', 86)).SetName("signature of zeros, untrusted");
        yield return new TestCaseData("vt1.!!!." + new string('A', 86)).SetName("claims not base64");
        yield return new TestCaseData("vt1.e30.!!!").SetName("signature not base64");
        yield return new TestCaseData("vt1.e30.AAAAA").SetName("signature impossible length");
        yield return new TestCaseData("vt1." + new string('A', TunnelToken.MaxTextLength)).SetName("oversize");
        yield return new TestCaseData("vt1.\u00e9\u00e9\u00e9\u00e9.AAAA").SetName("non-ASCII");
        yield return new TestCaseData("garbage").SetName("garbage");
    }

    [TestCaseSource(nameof(Garbage))]
    public void GarbageIsMalformedOrUnsigned(string? text)
    {
        var reason = Verify(text);
        Assert.That(reason, Is.EqualTo("malformed").Or.EqualTo("bad_signature"));
        if (text is null || text.Length is 0 or > TunnelToken.MaxTextLength || !text.StartsWith("vt1.", StringComparison.Ordinal))
        {
            Assert.That(reason, Is.EqualTo("malformed"));
        }
    }

    [Test]
    public void OversizeIsRefusedEvenIfSigned()
    {
        var text = SignRaw("{\"dev\":\"abcdefghijklmnopqrstuvwx\",\"port\":554,\"iat\":1799999940,\"exp\":1800000300,\"sub\":\"" + new string('s', 2000) + "\"}");
        Assert.That(text.Length, Is.GreaterThan(TunnelToken.MaxTextLength));
        Assert.That(Verify(text), Is.EqualTo("malformed"));
    }

    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":554,"iat":1799999940,"exp":1800000300}""", null)]
    [TestCase("""[1,2]""", "malformed")]
    [TestCase("""{"port":554,"iat":1799999940,"exp":1800000300}""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":0,"iat":1799999940,"exp":1800000300}""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":70000,"iat":1799999940,"exp":1800000300}""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":"554","iat":1799999940,"exp":1800000300}""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":554,"iat":1799999940}""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":554,"iat":1.5,"exp":1800000300}""", "malformed")]
    [TestCase("""{"dev":7,"port":554,"iat":1799999940,"exp":1800000300}""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":554,"iat":1799999940,"exp":1800000300""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":554,"iat":99999999999999999999,"exp":1800000300}""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":554,"iat":1799999940,"exp":99999999999999}""", "malformed")]
    [TestCase("""{"dev":"abcdefghijklmnopqrstuvwx","port":554,"iat":99999999999999,"exp":1800000300}""", "malformed")]
    public void SignedClaimsOfTheWrongShapeAreMalformed(string claims, string? expected)
    {
        Assert.That(Verify(SignRaw(claims)), Is.EqualTo(expected));
    }
}
