using Vigil.Onvif.Discovery.WsDiscovery;

namespace Vigil.Scan.Tests;

/// <summary>Model, name, maker and MAC read from the scope keys devices use beside the standard ones.</summary>
[TestFixture]
public sealed class ScopeKeyTests
{
    [TestCase("onvif://www.onvif.org/model/IPC-T5442T-ZE", "IPC-T5442T-ZE")]
    [TestCase("onvif://www.onvif.org/Model/DS-2CD2143G2-I", "DS-2CD2143G2-I")]
    [TestCase("onvif://www.onvif.org/hardware_model/M3106-L%20Mk%20II", "M3106-L Mk II")]
    [TestCase("onvif://www.onvif.org/Hardware/IPC-HFW2228M", "IPC-HFW2228M")]
    public void TheModelUnderAnotherKey(string scope, string model)
    {
        var s = OnvifScopes.Parse(["onvif://www.onvif.org/type/video_encoder", "onvif://www.onvif.org/Profile/Streaming", scope]);
        Assert.That(s.Hardware, Is.EqualTo(model));
    }

    [Test]
    public void TheFirstModelGivenIsKept()
    {
        var s = OnvifScopes.Parse(["onvif://www.onvif.org/model/other", "onvif://www.onvif.org/hardware/IPC-HFW2228M"]);
        Assert.That(s.Hardware, Is.EqualTo("other"), "as for every key, the first one given");
    }

    [Test]
    public void NameMakerAndMacUnderOtherKeys()
    {
        var s = OnvifScopes.Parse(["onvif://www.onvif.org/DeviceName/Front%20door", "onvif://www.onvif.org/Vendor/Uniview", "onvif://www.onvif.org/MacAddress/00:11:22:33:44:55"]);
        Assert.That((s.Name, s.Manufacturer, s.Mac), Is.EqualTo(("Front door", "Uniview", "00:11:22:33:44:55")));
    }

    [Test]
    public void TypeIsNoModel()
    {
        var s = OnvifScopes.Parse(["onvif://www.onvif.org/type/Network_Video_Transmitter", "onvif://www.onvif.org/type/video_encoder"]);
        Assert.That(s.Hardware, Is.Null);
    }
}
