using System.Xml;
using Vigil.Onvif.Client;

namespace Vigil.Scan.Tests;

/// <summary>WS-UsernameToken and HTTP Digest against published and independently computed values.</summary>
[TestFixture]
public sealed class AuthenticationTests
{
    [Test]
    public void PasswordDigestIsSha1OfNonceCreatedAndPassword()
    {
        // Computed with Python's hashlib: b64(sha1(bytes(range(16)) + created + password)).
        var digest = UsernameToken.Digest(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(), "2026-11-21T10:00:00Z", "Circle of Life");
        Assert.That(digest, Is.EqualTo("gWvM/VukO6iUcAySbV+mTZxtmbw="));
    }

    [Test]
    public void CreatedIsWrittenInTheDeviceClock()
    {
        var token = UsernameToken.Create(new OnvifCredentials("admin", "pw"), new DateTime(2018, 9, 12, 5, 34, 10, DateTimeKind.Utc));
        Assert.That(token.Created, Is.EqualTo("2018-09-12T05:34:10Z"));
        Assert.That(Convert.FromBase64String(token.Nonce), Has.Length.EqualTo(16));
        Assert.That(token.PasswordDigest, Is.EqualTo(UsernameToken.Digest(Convert.FromBase64String(token.Nonce), token.Created, "pw")));
    }

    [Test]
    public void Rfc2617ExampleMd5()
    {
        var d = HttpDigest.FromChallenges(["Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""])!;
        var header = d.Authorize(new OnvifCredentials("Mufasa", "Circle Of Life"), "GET", "/dir/index.html", clientNonce: "0a4f113b");
        Assert.That(header, Does.Contain("response=\"6629fae49393a05397450978507c4ef1\""));
        Assert.That(header, Does.Contain("nc=00000001").And.Contain("qop=auth,").And.Contain("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
        Assert.That(d.Authorize(new OnvifCredentials("Mufasa", "Circle Of Life"), "GET", "/dir/index.html", "0a4f113b"), Does.Contain("nc=00000002"));
    }

    [Test]
    public void Rfc7616ExampleSha256()
    {
        var d = HttpDigest.FromChallenges([
            "Basic realm=\"x\"",
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
        ])!;
        var header = d.Authorize(new OnvifCredentials("Mufasa", "Circle of Life"), "GET", "/dir/index.html", clientNonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
        Assert.That(header, Does.Contain("response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""));
        Assert.That(d.Algorithm, Is.EqualTo("SHA-256"));
    }

    [Test]
    public void ChallengesThisClientCannotAnswerAreNone()
    {
        Assert.That(HttpDigest.FromChallenges(["Basic realm=\"cam\""]), Is.Null);
        Assert.That(HttpDigest.FromChallenges(["Digest realm=\"cam\", nonce=\"1\", algorithm=SHA-512-256"]), Is.Null);
        Assert.That(HttpDigest.FromChallenges(["Digest realm=\"cam\""]), Is.Null, "no nonce");
    }

    [Test]
    public void QuotedParametersKeepCommasAndEscapes()
    {
        var p = HttpDigest.ParseParameters("realm=\"a, \\\"b\\\"\", nonce=abc , stale=TRUE");
        Assert.That(p["realm"], Is.EqualTo("a, \"b\""));
        Assert.That(p["nonce"], Is.EqualTo("abc"));
        Assert.That(p["stale"], Is.EqualTo("TRUE"));
    }

    [Test]
    public void TheRequestEscapesValuesAndCarriesTheToken()
    {
        var token = new UsernameToken("ad<min>", "DIGEST=", "NONCE==", "2026-11-21T10:00:00Z");
        var bytes = SoapRequest.Of(OnvifNamespaces.Media, "GetStreamUri", SoapParameter.Text("ProfileToken", "a&b<c>")).Write(token);
        var doc = new XmlDocument { XmlResolver = null };
        using (var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
        {
            doc.Load(reader);
        }
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("s", OnvifNamespaces.Soap12);
        ns.AddNamespace("wsse", UsernameToken.SecurityNamespace);
        ns.AddNamespace("wsu", UsernameToken.UtilityNamespace);
        ns.AddNamespace("trt", OnvifNamespaces.Media);
        Assert.That(doc.SelectSingleNode("/s:Envelope/s:Header/wsse:Security/wsse:UsernameToken/wsse:Username", ns)!.InnerText, Is.EqualTo("ad<min>"));
        Assert.That(doc.SelectSingleNode("//wsse:Password", ns)!.Attributes!["Type"]!.Value, Does.EndWith("#PasswordDigest"));
        Assert.That(doc.SelectSingleNode("//wsu:Created", ns)!.InnerText, Is.EqualTo("2026-11-21T10:00:00Z"));
        Assert.That(doc.SelectSingleNode("/s:Envelope/s:Body/trt:GetStreamUri/trt:ProfileToken", ns)!.InnerText, Is.EqualTo("a&b<c>"));
    }

    [Test]
    public void CredentialsNeverPrintTheirPassword() =>
        Assert.That(new OnvifCredentials("admin", "hunter2").ToString(), Does.Not.Contain("hunter2"));
}
