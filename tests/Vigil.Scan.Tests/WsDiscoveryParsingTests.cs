using System.Net;
using System.Text;
using Vigil.Onvif.Discovery.WsDiscovery;

namespace Vigil.Scan.Tests;

/// <summary>WS-Discovery messages as devices send them: the real Dahua captures and the other shapes.</summary>
[TestFixture]
public sealed class WsDiscoveryParsingTests
{
    private static WsdMessage Parse(string xml)
    {
        Assert.That(WsdMessageParser.TryParse(TestData.Bytes(xml), out var m, out var reason), Is.True, reason);
        return m;
    }

    private static string Refusal(string xml)
    {
        Assert.That(WsdMessageParser.TryParse(TestData.Bytes(xml), out _, out var reason), Is.False);
        return reason;
    }

    [Test]
    public void TheDahuaProbeMatchWithABareUuidAddress()
    {
        var m = Parse(TestData.Capture("dahua-ProbeMatches.xml"));
        Assert.That(m.Action, Is.EqualTo(WsdAction.ProbeMatches));
        Assert.That(m.Soap11, Is.False);
        Assert.That(m.DiscoveryNamespace, Is.EqualTo(WsdNamespaces.Discovery200504));
        Assert.That(m.MessageId, Is.EqualTo("uuid:c46d7c79-6375-447a-b283-89eb2485271a"));
        Assert.That(m.RelatesTo, Is.EqualTo("uuid:572ecdc4-b723-11e8-99d8-53d34f41f286"));
        var e = m.Endpoints.Single();
        Assert.That(e.Address, Is.EqualTo("uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464"));
        Assert.That(e.Types, Is.EqualTo(new[]
        {
            new WsdType(WsdNamespaces.OnvifNetwork, "NetworkVideoTransmitter"),
            new WsdType(WsdNamespaces.OnvifDevice, "Device"),
        }));
        Assert.That(e.XAddrs, Is.EqualTo(new[] { "http://192.168.1.45/onvif/device_service" }));
        Assert.That(e.Scopes, Has.Count.EqualTo(6));
        Assert.That(e.MetadataVersion, Is.EqualTo(1));
        var scopes = OnvifScopes.Parse(e.Scopes);
        Assert.That((scopes.Name, scopes.Hardware), Is.EqualTo(("Dahua", "IPC-HFW2228M-I1-V2")));
        Assert.That(scopes.Locations, Is.EqualTo(new[] { "country/china" }));
        Assert.That(scopes.Profiles, Is.EqualTo(new[] { "Streaming" }));
    }

    [Test]
    public void TheDahuaHelloAndProbe()
    {
        var hello = Parse(TestData.Capture("dahua-Hello.xml"));
        Assert.That(hello.Action, Is.EqualTo(WsdAction.Hello));
        Assert.That(hello.Endpoints.Single().XAddrs, Is.EqualTo(new[] { "http://192.168.1.45/onvif/device_service" }));
        Assert.That(hello.Endpoints.Single().Types.All(t => t.IsOnvif), Is.True);
        var probe = Parse(TestData.Capture("dahua-Probe.xml"));
        Assert.That(probe.Action, Is.EqualTo(WsdAction.Probe));
        Assert.That(probe.ProbeTypes, Is.EqualTo(new[] { new WsdType(WsdNamespaces.OnvifNetwork, "NetworkVideoTransmitter") }));
    }

    [Test]
    public void AGsoapProbeMatchWithUrnUuidEncodedScopesAndTwoXAddrs()
    {
        var m = Parse(TestData.Shape("probematches-gsoap.xml", ("MESSAGE_ID", "urn:uuid:1"), ("RELATES_TO", "urn:uuid:2"), ("ENDPOINT", "urn:uuid:A1B2C3D4-0000-1111-2222-333344445555"), ("XADDRS", "http://10.0.0.5/onvif/device_service http://[fd00::5]/onvif/device_service")));
        var e = m.Endpoints.Single();
        Assert.That(EndpointAddress.Normalize(e.Address), Is.EqualTo("urn:uuid:a1b2c3d4-0000-1111-2222-333344445555"));
        Assert.That(e.XAddrs, Has.Count.EqualTo(2));
        var scopes = OnvifScopes.Parse(e.Scopes);
        Assert.That(scopes.Name, Is.EqualTo("HIKVISION DS-2CD2143G2-IS"));
        Assert.That(scopes.Manufacturer, Is.EqualTo("Hangzhou Hikvision Digital Technology"));
        Assert.That(scopes.Mac, Is.EqualTo("c4:2f:90:0a:1b:2c"));
        Assert.That(scopes.Profiles, Is.EqualTo(new[] { "Streaming", "T" }));
        Assert.That(m.RelatesTo, Is.EqualTo("urn:uuid:2"));
    }

    [Test]
    public void ASoap11MessageInThe2009Namespaces()
    {
        var m = Parse(TestData.Shape("probematches-soap11-2009.xml", ("MESSAGE_ID", "urn:uuid:1"), ("RELATES_TO", "urn:uuid:2"), ("ENDPOINT", "urn:uuid:9"), ("XADDRS", "http://0.0.0.0:8080/onvif/device_service")));
        Assert.That(m.Soap11, Is.True);
        Assert.That(m.DiscoveryNamespace, Is.EqualTo(WsdNamespaces.Discovery200901));
        Assert.That(m.RelatesTo, Is.EqualTo("urn:uuid:2"));
        var e = m.Endpoints.Single();
        // The prefix of this Types value is declared on the Types element itself.
        Assert.That(e.Types.Single(), Is.EqualTo(new WsdType(WsdNamespaces.OnvifNetwork, "NetworkVideoTransmitter")));
        Assert.That(OnvifScopes.Parse(e.Scopes).Manufacturer, Is.EqualTo("Example&Co"));
        Assert.That(XAddrs.Resolve(e.XAddrs, IPAddress.Parse("10.1.2.3")).Single().ToString(), Is.EqualTo("http://10.1.2.3:8080/onvif/device_service"));
    }

    [Test]
    public void AByeNamesOnlyItsEndpoint()
    {
        var m = Parse(TestData.Shape("bye-2005.xml", ("MESSAGE_ID", "uuid:1"), ("ENDPOINT", "uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464")));
        Assert.That(m.Action, Is.EqualTo(WsdAction.Bye));
        Assert.That(EndpointAddress.Normalize(m.Endpoints.Single().Address), Is.EqualTo(EndpointAddress.Normalize("urn:uuid:503B687A-B9D7-474F-A2D0-A18C8B25A464")));
    }

    [Test]
    public void ADoctypeIsRefusedBeforeAnyEntityIsRead()
    {
        var xml = TestData.Capture("dahua-ProbeMatches.xml")
            .Replace("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>", "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>", StringComparison.Ordinal)
            .Replace("name/Dahua", "name/&xxe;", StringComparison.Ordinal);
        Assert.That(Refusal(xml), Is.EqualTo("DTD prohibited"));
    }

    [Test]
    public void AnEntityBombIsRefused()
    {
        var dtd = new StringBuilder("<!DOCTYPE s:Envelope [<!ENTITY a \"aaaaaaaaaa\">");
        for (var i = 1; i < 10; i++)
        {
            dtd.Append($"<!ENTITY a{i} \"{string.Concat(Enumerable.Repeat(i == 1 ? "&a;" : $"&a{i - 1};", 10))}\">");
        }
        var xml = TestData.Capture("dahua-ProbeMatches.xml")
            .Replace("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>", "<?xml version=\"1.0\"?>" + dtd + "]>", StringComparison.Ordinal)
            .Replace("name/Dahua", "name/&a9;", StringComparison.Ordinal);
        Assert.That(Refusal(xml), Is.EqualTo("DTD prohibited"));
    }

    [Test]
    public void TruncatedXmlIsRefusedWithWhereItEnded()
    {
        var xml = TestData.Capture("dahua-ProbeMatches.xml");
        Assert.That(Refusal(xml[..(xml.Length / 2)]), Does.StartWith("truncated XML"));
    }

    [Test]
    public void ADocumentOverTheCapIsRefused()
    {
        var xml = TestData.Capture("dahua-ProbeMatches.xml").Replace("name/Dahua", "name/" + new string('x', 70_000), StringComparison.Ordinal);
        Assert.That(Refusal(xml), Is.EqualTo("document exceeds the size limit"));
    }

    [Test]
    public void WhatIsNotSoapIsRefused()
    {
        Assert.That(Refusal("<html><body>hello</body></html>"), Is.EqualTo("not a SOAP envelope"));
        Assert.That(Refusal("\u0001\u0002 garbage"), Does.StartWith("malformed XML"));
        Assert.That(Refusal("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><x/></s:Body></s:Envelope>"), Is.EqualTo("no WS-Discovery element in the SOAP body"));
    }

    [Test]
    public void EndpointsAndListsAreCapped()
    {
        var match = "<d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:{0}</a:Address></a:EndpointReference><d:Scopes>" + string.Join(' ', Enumerable.Range(0, 70).Select(i => $"onvif://www.onvif.org/x/{i}")) + "</d:Scopes></d:ProbeMatch>";
        var xml = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><s:Body><d:ProbeMatches>"
            + string.Concat(Enumerable.Range(0, 20).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, match, i)))
            + "<d:ProbeMatch><d:XAddrs>http://10.0.0.9/</d:XAddrs></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>";
        var m = Parse(xml);
        Assert.That(m.Endpoints, Has.Count.EqualTo(WsdMessageParser.MaxEndpoints));
        Assert.That(m.Endpoints.All(e => e.Scopes.Count == WsdMessageParser.MaxScopes), Is.True);
    }

    [Test]
    public void AMatchWithoutAnAddressIsDropped()
    {
        var xml = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><s:Body><d:ProbeMatches><d:ProbeMatch><d:XAddrs>http://10.0.0.9/</d:XAddrs></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>";
        Assert.That(Parse(xml).Endpoints, Is.Empty);
    }

    [Test]
    public void OurProbeParsesBackAsAProbeForTheOnvifType()
    {
        var id = WsdProbe.NewMessageId();
        var m = Parse(Encoding.UTF8.GetString(WsdProbe.Write(id, WsdProbe.OnvifTypes[0])));
        Assert.That(m.Action, Is.EqualTo(WsdAction.Probe));
        Assert.That(m.MessageId, Is.EqualTo(id));
        Assert.That(m.ProbeTypes.Single(), Is.EqualTo(new WsdType(WsdNamespaces.OnvifNetwork, "NetworkVideoTransmitter")));
    }

    [TestCase("uuid:503B687A-B9D7-474F-A2D0-A18C8B25A464")]
    [TestCase("urn:uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464")]
    [TestCase("URN:UUID:503b687a-b9d7-474f-a2d0-a18c8b25a464")]
    [TestCase(" 503b687a-b9d7-474f-a2d0-a18c8b25a464 ")]
    public void EveryFormOfOneUuidIsOneAddress(string form) =>
        Assert.That(EndpointAddress.Normalize(form), Is.EqualTo("urn:uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464"));

    [Test]
    public void ScopesSurviveBadEscapesAndIgnoreOtherAuthorities()
    {
        var s = OnvifScopes.Parse(["onvif://www.onvif.org/name/100%zz", "http://example.com/name/x", "onvif://www.onvif.org/location/city/Z%C3%BCrich", "onvif://www.onvif.org/Profile/S", "onvif://www.onvif.org/profile/s"]);
        Assert.That(s.Name, Is.EqualTo("100%zz"));
        Assert.That(s.Locations, Is.EqualTo(new[] { "city/Zürich" }));
        Assert.That(s.Profiles, Is.EqualTo(new[] { "S" }));
    }

    [Test]
    public void ZeroAddressesAreReplacedByTheSenderAndOtherXAddrsKept()
    {
        var v4 = XAddrs.Resolve(["http://0.0.0.0/onvif/device_service", "https://10.0.0.7:8443/onvif/device_service", "ftp://10.0.0.7/", "not a uri", "http://0.0.0.0/onvif/device_service"], IPAddress.Parse("10.0.0.7"));
        Assert.That(v4.Select(u => u.ToString()), Is.EqualTo(new[] { "http://10.0.0.7/onvif/device_service", "https://10.0.0.7:8443/onvif/device_service" }));
        var v6 = XAddrs.Resolve(["http://[::]:8080/onvif/device_service"], IPAddress.Parse("fd7a::3"));
        Assert.That(v6.Single().ToString(), Is.EqualTo("http://[fd7a::3]:8080/onvif/device_service"));
    }
}
