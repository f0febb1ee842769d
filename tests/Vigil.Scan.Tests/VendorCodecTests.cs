using System.Text;
using Vigil.Onvif.Discovery.Dahua;
using Vigil.Onvif.Discovery.Sadp;
using Vigil.Onvif.Discovery.Ssdp;

namespace Vigil.Scan.Tests;

/// <summary>SSDP, UPnP descriptions, Hikvision SADP and Dahua DHDiscover.</summary>
[TestFixture]
public sealed class VendorCodecTests
{
    [Test]
    public void AnSsdpSearchResponse()
    {
        var text = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLocation: http://10.0.0.9:80/upnp/description.xml\r\nSERVER: Linux/3.10 UPnP/1.0 x/1\r\nST: upnp:rootdevice\r\nUSN: uuid:abc::upnp:rootdevice\r\n\r\n";
        Assert.That(SsdpMessage.TryParse(Encoding.ASCII.GetBytes(text), out var m, out var reason), Is.True, reason);
        Assert.That(m.IsSearchResponse, Is.True);
        Assert.That(m.Location, Is.EqualTo("http://10.0.0.9:80/upnp/description.xml"));
        Assert.That(m.Usn, Is.EqualTo("uuid:abc::upnp:rootdevice"));
        Assert.That(m.Header("ext"), Is.EqualTo(""));
    }

    [Test]
    public void OurSearchParsesAsASearch()
    {
        Assert.That(SsdpMessage.TryParse(SsdpSearch.Write("239.255.255.250:1900"), out var m, out _), Is.True);
        Assert.That((m.IsSearch, m.Header("ST"), m.Header("MAN")), Is.EqualTo((true, "upnp:rootdevice", "\"ssdp:discover\"")));
    }

    [Test]
    public void SsdpCapsAndRefusals()
    {
        var many = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: y\r\n")) + "\r\n";
        Assert.That(SsdpMessage.TryParse(Encoding.ASCII.GetBytes(many), out _, out var r1), Is.False);
        Assert.That(r1, Does.Contain("more than 64 headers"));
        var longLine = "HTTP/1.1 200 OK\r\nLOCATION: " + new string('a', 5000) + "\r\n\r\n";
        Assert.That(SsdpMessage.TryParse(Encoding.ASCII.GetBytes(longLine), out _, out var r2), Is.False);
        Assert.That(r2, Does.Contain("longer than"));
        Assert.That(SsdpMessage.TryParse("hello"u8, out _, out var r3), Is.False);
        Assert.That(r3, Is.EqualTo("not an HTTP-over-UDP message"));
    }

    [Test]
    public void AUpnpDescription()
    {
        var xml = TestData.Shape("upnp-description.xml", ("HOST", "10.0.0.9"), ("NAME", "Gate"), ("MANUFACTURER", "AXIS"), ("MODEL", "M3045-V"), ("SERIAL", "ACCC8E0A1B2C"), ("UUID", "1"));
        Assert.That(UpnpDescription.TryParse(TestData.Bytes(xml), out var d, out var reason), Is.True, reason);
        Assert.That((d.Manufacturer, d.ModelName, d.SerialNumber, d.FriendlyName), Is.EqualTo(("AXIS", "M3045-V", "ACCC8E0A1B2C", "Gate")));
        var withDtd = xml.Replace("<?xml version=\"1.0\"?>", "<?xml version=\"1.0\"?><!DOCTYPE root [<!ENTITY e SYSTEM \"file:///etc/hostname\">]>", StringComparison.Ordinal);
        Assert.That(UpnpDescription.TryParse(TestData.Bytes(withDtd), out _, out var refused), Is.False);
        Assert.That(refused, Is.EqualTo("DTD prohibited"));
    }

    [Test]
    public void ASadpAnswerAndOurInquiry()
    {
        var xml = TestData.Shape("sadp-ProbeMatch.xml", ("UUID", "X"), ("DEVICE_TYPE", "139"), ("MODEL", "DS-2CD2143G2-IS"), ("SERIAL", "DS-2CD2143G2-IS20210101AAWRG12345678"), ("MAC", "c4-2f-90-0a-1b-2c"), ("IPV4", "192.168.1.64"), ("FIRMWARE", "V5.7.3build 220112"));
        Assert.That(SadpMessage.TryParse(TestData.Bytes(xml), out var m, out var reason), Is.True, reason);
        Assert.That((m.Kind, m.Model, m.Serial, m.Firmware, m.IPv4Address, m.HttpPort), Is.EqualTo(("ProbeMatch", "DS-2CD2143G2-IS", "DS-2CD2143G2-IS20210101AAWRG12345678", "V5.7.3build 220112", "192.168.1.64", (int?)80)));
        var id = Guid.NewGuid();
        Assert.That(SadpMessage.TryParse(SadpMessage.WriteInquiry(id), out var inquiry, out _), Is.True);
        Assert.That((inquiry.Kind, inquiry.Types, inquiry.Uuid), Is.EqualTo(("Probe", "inquiry", id.ToString("D").ToUpperInvariant())));
        Assert.That(SadpMessage.TryParse("<html/>"u8.ToArray(), out _, out var other), Is.False);
        Assert.That(other, Is.EqualTo("not a SADP message"));
    }

    [Test]
    public void ADhDiscoverAnswerFramedAsDevicesFrameIt()
    {
        var json = TestData.Shape("dhdiscover-notifyDevInfo.json", ("MAC", "3c:ef:8c:00:00:01"), ("MODEL", "IPC-HFW2228M-I1-V2"), ("IPV4", "192.168.1.108"), ("IPV6", "2001:db8::2"), ("SERIAL", "4L0A2B3PAJ12345"), ("FIRMWARE", "2.800.0000000.16.R"));
        var packet = DhipMessage.Frame(Encoding.UTF8.GetBytes(json));
        Assert.That(packet[..8], Is.EqualTo(new byte[] { 0x20, 0, 0, 0, (byte)'D', (byte)'H', (byte)'I', (byte)'P' }));
        Assert.That(DhipMessage.TryParse(packet, out var m, out var reason), Is.True, reason);
        Assert.That((m.Method, m.Model, m.Serial, m.Firmware, m.Mac, m.HttpPort), Is.EqualTo(("client.notifyDevInfo", "IPC-HFW2228M-I1-V2", "4L0A2B3PAJ12345", "2.800.0000000.16.R", "3c:ef:8c:00:00:01", (int?)80)));
        Assert.That(m.Manufacturer, Is.EqualTo("Dahua"), "Vendor \"General\" hides the maker; the protocol names it");
        Assert.That(DhipMessage.AddressOf(m.IPv6Address)?.ToString(), Is.EqualTo("2001:db8::2"));
        Assert.That(DhipMessage.TryParse(DhipMessage.WriteSearch(), out var search, out _), Is.True);
        Assert.That(search.Method, Is.EqualTo("DHDiscover.search"));
    }

    [Test]
    public void DhDiscoverRefusesLiesAboutLengthAndNonJson()
    {
        var packet = DhipMessage.Frame("{\"method\":\"x\"}"u8);
        packet[16] = 200;
        Assert.That(DhipMessage.TryParse(packet, out _, out var r1), Is.False);
        Assert.That(r1, Does.Contain("200 body bytes"));
        Assert.That(DhipMessage.TryParse(DhipMessage.Frame("not json"u8), out _, out var r2), Is.False);
        Assert.That(r2, Does.StartWith("DHIP body is not valid JSON"));
        Assert.That(DhipMessage.TryParse(DhipMessage.Frame(Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100))), out _, out var r3), Is.False);
        Assert.That(r3, Does.StartWith("DHIP body is not valid JSON"));
        Assert.That(DhipMessage.TryParse("short"u8, out _, out var r4), Is.False);
        Assert.That(r4, Is.EqualTo("not a DHIP packet"));
    }
}
