using System.Text;
using Vigil.Onvif.Client;

namespace Vigil.Scan.Tests;

/// <summary>ONVIF answers read by the client's parsers: captures where there are any, shapes otherwise.</summary>
[TestFixture]
public sealed class SoapAnswerTests
{
    private static T Read<T>(string xml, Func<System.Xml.XmlReader, T> read) => SoapResponse.Read(Encoding.UTF8.GetBytes(xml), "Test", read);

    [TestCase("dahua-GetSystemDateAndTimeResponse.xml", 2018, 9, 12, 5, 34, 10, "GMT+08:00")]
    [TestCase("hik-GetSystemDateAndTimeResponse.xml", 2024, 7, 9, 19, 49, 6, "BRT3")]
    public void CapturedClocks(string file, int y, int mo, int d, int h, int mi, int s, string tz)
    {
        var clock = Read(TestData.Capture(file), DeviceClock.Read);
        Assert.That(clock.UtcTime, Is.EqualTo(new DateTime(y, mo, d, h, mi, s, DateTimeKind.Utc)));
        Assert.That(clock.TimeZone, Is.EqualTo(tz));
        Assert.That(clock.DateTimeType, Is.EqualTo("Manual"));
    }

    [Test]
    public void TheCapturedHikvisionProfilesWithEncodersMissingTheirEncoding()
    {
        var profiles = Read(TestData.Capture("hik-GetProfilesResponse-invalid-encoder.xml"), MediaProfile.ReadProfiles);
        Assert.That(profiles, Has.Count.EqualTo(36));
        Assert.That(profiles[0].Token, Is.EqualTo("MediaProfile00000"));
        Assert.That(profiles[0].Name, Is.EqualTo("MediaProfile_Channel1_MainStream"));
        Assert.That(profiles[0].VideoEncoding, Is.Null, "this device's VideoEncoderConfiguration has no Encoding");
        Assert.That(profiles[0].AudioEncoding, Is.EqualTo("G711"));
        Assert.That(profiles[^1].Token, Is.EqualTo("MediaProfile01102"));
    }

    [Test]
    public void Media1AndMedia2Profiles()
    {
        var p1 = Read(TestData.Shape("GetProfilesResponse.xml"), MediaProfile.ReadProfiles);
        Assert.That(p1.Select(p => (p.Token, p.Name, p.VideoEncoding, p.Width, p.Height)), Is.EqualTo(new[]
        {
            ("MediaProfile000", (string?)"MainStream", (string?)"H264", (int?)1920, (int?)1080),
            ("MediaProfile001", "SubStream", "H264", 704, 576),
        }));
        var p2 = Read(TestData.Shape("Media2-GetProfilesResponse.xml"), MediaProfile.ReadProfiles);
        Assert.That(p2.Select(p => (p.Token, p.VideoEncoding, p.Width, p.AudioEncoding)), Is.EqualTo(new[]
        {
            ("Profile_1", (string?)"H265", (int?)2688, (string?)"PCMU"),
            ("Profile_2", "H264", 640, null),
        }));
    }

    [Test]
    public void StreamAddressesOfBothMediaServices()
    {
        var uri1 = Read(TestData.Shape("GetStreamUriResponse.xml", ("URI", "rtsp://10.0.0.5:554/a")), MediaProfile.ReadUri);
        var uri2 = Read(TestData.Shape("Media2-GetStreamUriResponse.xml", ("URI", "rtsp://10.0.0.5:554/b")), MediaProfile.ReadUri);
        Assert.That((uri1, uri2), Is.EqualTo(("rtsp://10.0.0.5:554/a", "rtsp://10.0.0.5:554/b")));
    }

    [Test]
    public void DeviceInformationServicesAndCapabilities()
    {
        var info = Read(TestData.Shape("GetDeviceInformationResponse.xml", ("MANUFACTURER", "Dahua"), ("MODEL", "M"), ("FIRMWARE", "F"), ("SERIAL", "S"), ("HARDWARE", "")), DeviceInformation.Read);
        Assert.That(info, Is.EqualTo(new DeviceInformation("Dahua", "M", "F", "S", null)));
        var services = Read(TestData.Shape("GetServicesResponse.xml", ("DEVICE_HOST", "10.0.0.5"), ("MEDIA2_SERVICE", "")), OnvifService.ReadServices);
        Assert.That(services.Select(s => s.Namespace), Does.Contain(OnvifNamespaces.Media));
        Assert.That(services.Single(s => s.Namespace == OnvifNamespaces.Media).Address.ToString(), Is.EqualTo("http://10.0.0.5/onvif/Media"));
        Assert.That(services[0].Version, Is.EqualTo("2.60"));
        var caps = Read(TestData.Shape("GetCapabilitiesResponse.xml", ("DEVICE_HOST", "10.0.0.5")), OnvifService.ReadCapabilities);
        Assert.That(caps.Single(s => s.Namespace == OnvifNamespaces.Media).Address.ToString(), Is.EqualTo("http://10.0.0.5/onvif/Media"));
    }

    [Test]
    public void AFaultBecomesAnExceptionThatSaysWhy()
    {
        var e = Assert.Throws<OnvifException>(() => Read(TestData.Shape("Fault-NotAuthorized.xml"), r => 0))!;
        Assert.That(e.Kind, Is.EqualTo(OnvifErrorKind.NotAuthorized));
        Assert.That(e.FaultCode, Is.EqualTo("ter:NotAuthorized"));
        Assert.That(e.Message, Does.Contain("Sender not Authorized"));
        var soap11 = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>busy</faultstring></s:Fault></s:Body></s:Envelope>";
        var e11 = Assert.Throws<OnvifException>(() => Read(soap11, r => 0))!;
        Assert.That((e11.Kind, e11.FaultCode), Is.EqualTo((OnvifErrorKind.Fault, "s:Server")));
    }

    [TestCase("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>&e;</s:Body></s:Envelope>", "DTD prohibited")]
    [TestCase("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><x>", "truncated XML")]
    [TestCase("<html>502 Bad Gateway</html>", "not a SOAP envelope")]
    [TestCase("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>", "the SOAP body is empty")]
    public void BadAnswersAreBadResponses(string xml, string why)
    {
        var e = Assert.Throws<OnvifException>(() => Read(xml, r => 0))!;
        Assert.That(e.Kind, Is.EqualTo(OnvifErrorKind.BadResponse));
        Assert.That(e.Message, Does.Contain(why));
        Assert.That(e.Message, Does.Not.Contain("root:"));
    }
}
