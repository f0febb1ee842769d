using System.Text;
using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

[TestFixture]
public sealed class RtspAuthTests
{
    private static RtspMessage Challenge(params string[] headers)
    {
        var text = "RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n" + string.Concat(headers.Select(h => $"WWW-Authenticate: {h}\r\n")) + "\r\n";
        RtspParser.Read(Encoding.ASCII.GetBytes(text), out _, out _, out var message);
        return message!;
    }

    private static string Param(string header, string name) => RtspAuth.Param(header["Authorization: ".Length..].TrimEnd(), name)!;

    [Test]
    public void DigestWithQopMatchesTheRfc2617Example()
    {
        // RFC 2617 section 3.5, with the cnonce taken from the header the agent made.
        var auth = new RtspAuth("Mufasa", "Circle Of Life");
        Assert.That(auth.Challenge(Challenge("Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"")), Is.True);
        var header = auth.Header("GET", "/dir/index.html");
        var cnonce = Param(header, "cnonce");
        Assert.That(Param(header, "nc"), Is.EqualTo("00000001"));
        Assert.That(Param(header, "opaque"), Is.EqualTo("5ccc069c403ebaf9f0171e9517f40e41"));
        static string Md5(string s) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(s)));
        var expected = Md5($"{Md5("Mufasa:testrealm@host.com:Circle Of Life")}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:{cnonce}:auth:{Md5("GET:/dir/index.html")}");
        Assert.That(Param(header, "response"), Is.EqualTo(expected));
        // The RFC's own figure, for its cnonce "0a4f113b".
        Assert.That(Md5($"{Md5("Mufasa:testrealm@host.com:Circle Of Life")}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{Md5("GET:/dir/index.html")}"), Is.EqualTo("6629fae49393a05397450978507c4ef1"));
        Assert.That(Param(auth.Header("GET", "/dir/index.html"), "nc"), Is.EqualTo("00000002"), "the nonce count goes up per request");
    }

    [Test]
    public void DigestWithoutQopAsGstreamerAndMostCamerasAskIt()
    {
        var auth = new RtspAuth("admin", "12345");
        Assert.That(auth.Challenge(Challenge("Digest realm=\"IP Camera(C6120)\", nonce=\"0a4f113b0c3a7d\", stale=\"FALSE\"")), Is.True);
        var header = auth.Header("DESCRIBE", "rtsp://192.168.1.64:554/Streaming/Channels/101");
        static string Md5(string s) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(s)));
        var expected = Md5($"{Md5("admin:IP Camera(C6120):12345")}:0a4f113b0c3a7d:{Md5("DESCRIBE:rtsp://192.168.1.64:554/Streaming/Channels/101")}");
        Assert.That(Param(header, "response"), Is.EqualTo(expected));
        Assert.That(header, Does.Not.Contain("qop").And.Not.Contain("12345"));
    }

    [Test]
    public void Sha256IsPreferredWhenOffered()
    {
        var auth = new RtspAuth("u", "p");
        Assert.That(auth.Challenge(Challenge("Digest realm=\"r\", nonce=\"n1\"", "Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-256")), Is.True);
        var header = auth.Header("OPTIONS", "rtsp://h/");
        static string Sha(string s) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(s)));
        Assert.That(Param(header, "response"), Is.EqualTo(Sha($"{Sha("u:r:p")}:n2:{Sha("OPTIONS:rtsp://h/")}")));
        Assert.That(header, Does.Contain("algorithm=SHA-256"));
    }

    [Test]
    public void BasicWhenThatIsAllTheServerTakes()
    {
        var auth = new RtspAuth("admin", "secret");
        Assert.That(auth.Challenge(Challenge("Basic realm=\"cam\"")), Is.True);
        Assert.That(auth.Header("DESCRIBE", "rtsp://h/"), Is.EqualTo($"Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:secret"))}\r\n"));
        Assert.That(auth.Challenge(Challenge("Basic realm=\"cam\"")), Is.False, "Basic refused once: the password is wrong, do not insist");
    }

    [Test]
    public void TheSameChallengeTwiceMeansWrongCredentialsButAStaleNonceIsRetried()
    {
        var auth = new RtspAuth("u", "p");
        Assert.That(auth.Challenge(Challenge("Digest realm=\"r\", nonce=\"n1\"")), Is.True);
        Assert.That(auth.Challenge(Challenge("Digest realm=\"r\", nonce=\"n1\"")), Is.False);
        Assert.That(auth.Challenge(Challenge("Digest realm=\"r\", nonce=\"n1\", stale=true")), Is.True);
        Assert.That(auth.Challenge(Challenge("Digest realm=\"r\", nonce=\"n2\", algorithm=MD5-sess")), Is.False, "an algorithm the agent does not do");
        Assert.That(auth.Challenge(Challenge("Negotiate")), Is.False);
    }

    [TestCase("Digest realm=\"a\\\"b\", nonce=x", "realm", "a\"b")]
    [TestCase("Digest realm=\"a,b\",nonce=\"n\"", "nonce", "n")]
    [TestCase("Digest realm=\"unterminated", "realm", "unterminated")]
    [TestCase("Digest realm", "realm", null)]
    [TestCase("Digest", "realm", null)]
    public void ChallengeParametersParse(string challenge, string name, string? value) =>
        Assert.That(RtspAuth.Param(challenge, name), Is.EqualTo(value));
}
