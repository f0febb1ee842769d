using Vigil.Portal.Hooks;

namespace Vigil.Portal.Tests;

/// <summary>The one reading of the camera in a streamer's URI, without a server: canonical paths name their camera, any other spelling is refused.</summary>
public sealed class StreamPathTests
{
    [TestCase("/cam-1/index.m3u8?token=pt1.a.b", "cam-1")]
    [TestCase("/cam-1/17.ts?token=pt1.a.b", "cam-1")]
    [TestCase("/cam-1/mpegts", "cam-1")]
    [TestCase("/cam.2_x/index.m3u8", "cam.2_x")]
    [TestCase("/%63am-1/index.m3u8", "cam-1")]
    [TestCase("/cam-1/index.m3u8?x=/../other/", "cam-1")]
    [TestCase("/cam-1/sub/17.ts", "cam-1")]
    public void ACanonicalPathNamesItsFirstSegment(string uri, string camera) =>
        Assert.That(StreamPath.CameraOfUri(uri), Is.EqualTo(camera));

    [TestCase("/public/../private/index.m3u8")]
    [TestCase("/public/./../private/index.m3u8")]
    [TestCase("/public/%2e%2e/private/index.m3u8")]
    [TestCase("/public/%2E%2E/private/index.m3u8")]
    [TestCase("/public/.%2e/private/index.m3u8")]
    [TestCase("/public/%252e%252e/private/index.m3u8")]
    [TestCase("/public/..%2fprivate/index.m3u8")]
    [TestCase("/public%2F..%2Fprivate/index.m3u8")]
    [TestCase("/public/..%5cprivate/index.m3u8")]
    [TestCase("/public/..\\private/index.m3u8")]
    [TestCase("/public/%00/index.m3u8")]
    [TestCase("/public/%0a/index.m3u8")]
    [TestCase("/public/%/index.m3u8")]
    [TestCase("/public/%2/index.m3u8")]
    [TestCase("/public/%zz/index.m3u8")]
    [TestCase("//private/index.m3u8")]
    [TestCase("/public//index.m3u8")]
    [TestCase("/public/index.m3u8/")]
    [TestCase("/public/")]
    [TestCase("/public")]
    [TestCase("/")]
    [TestCase("")]
    [TestCase("public/index.m3u8")]
    [TestCase("/public#/../private/index.m3u8")]
    [TestCase("/public/index.m3u8#x")]
    [TestCase("/pub lic/index.m3u8")]
    [TestCase("/publíc/index.m3u8")]
    [TestCase("/public/%C3%A9/index.m3u8")]
    [TestCase("/public;x/index.m3u8")]
    [TestCase("/./public/index.m3u8")]
    [TestCase("/../public/index.m3u8")]
    public void AnyOtherSpellingIsRefused(string uri) =>
        Assert.That(StreamPath.CameraOfUri(uri), Is.Null);

    [Test]
    public void APathLongerThanAnyStreamIsRefused() =>
        Assert.That(StreamPath.CameraOfUri("/cam/" + new string('a', StreamPath.MaxLength)), Is.Null);

    [TestCase("cam-1", "cam-1")]
    [TestCase("/cam-1", "cam-1")]
    [TestCase("cam-1/", null)]
    [TestCase("//cam-1", null)]
    [TestCase("..", null)]
    [TestCase("/..", null)]
    [TestCase("cam%2d1", null)]
    [TestCase("a/b", null)]
    [TestCase("a\\b", null)]
    [TestCase("", null)]
    public void AnAlreadyDecodedNameIsOneSegmentOrRefused(string path, string? name) =>
        Assert.That(StreamPath.NameOfPath(path), Is.EqualTo(name));
}
