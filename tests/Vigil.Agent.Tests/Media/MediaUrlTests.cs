using Vigil.Agent.Media;

namespace Vigil.Agent.Tests.Media;

[TestFixture]
public sealed class MediaUrlTests
{
    [Test]
    public void ACameraAddressIsTakenApartAndItsPasswordNeverPrinted()
    {
        var url = MediaUrl.TryParse("rtsp://admin:p%40ss:w@192.168.1.64:8554/Streaming/Channels/101?transport=tcp")!;
        Assert.That(url.Scheme, Is.EqualTo("rtsp"));
        Assert.That(url.User, Is.EqualTo("admin"));
        Assert.That(url.Password, Is.EqualTo("p@ss:w"));
        Assert.That(url.Host, Is.EqualTo("192.168.1.64"));
        Assert.That(url.Port, Is.EqualTo(8554));
        Assert.That(url.Path, Is.EqualTo("/Streaming/Channels/101?transport=tcp"));
        Assert.That(url.Plain, Is.EqualTo("rtsp://192.168.1.64:8554/Streaming/Channels/101?transport=tcp"));
        Assert.That(url.Masked, Does.Not.Contain("p@ss").And.Not.Contain("p%40ss").And.Not.Contain("transport=tcp"));
        Assert.That(url.Masked, Is.EqualTo("rtsp://admin:***@192.168.1.64:8554/Streaming/Channels/101?***"));
    }

    [TestCase("rtsp://cam", "cam", 554, "/")]
    [TestCase("rtmp://streamer/live/cam", "streamer", 1935, "/live/cam")]
    [TestCase("RTSP://[fe80::1]:10554/a", "fe80::1", 10554, "/a")]
    [TestCase("rtsp://cam?x=1", "cam", 554, "/?x=1")]
    public void DefaultsAndForms(string text, string host, int port, string path)
    {
        var url = MediaUrl.TryParse(text)!;
        Assert.That((url.Host, url.Port, url.Path), Is.EqualTo((host, port, path)));
    }

    [TestCase("http://cam/a")]
    [TestCase("rtsp://")]
    [TestCase("rtsp://cam:0/a")]
    [TestCase("rtsp://cam:70000/a")]
    [TestCase("rtsp://cam:12ab/a")]
    [TestCase("rtsp://[fe80::1/a")]
    [TestCase("cam:554")]
    public void WhatIsNotAnAddressIsRefused(string text) => Assert.That(MediaUrl.TryParse(text), Is.Null);

    [Test]
    public void TrackControlsJoinTheBaseAsCamerasExpect()
    {
        Assert.That(MediaUrl.JoinControl("rtsp://h/stream/", "stream=0"), Is.EqualTo("rtsp://h/stream/stream=0"));
        Assert.That(MediaUrl.JoinControl("rtsp://h/Streaming/Channels/101", "trackID=1"), Is.EqualTo("rtsp://h/Streaming/Channels/101/trackID=1"));
        Assert.That(MediaUrl.JoinControl("rtsp://h/a", "rtsp://other/b"), Is.EqualTo("rtsp://other/b"));
        Assert.That(MediaUrl.JoinControl("rtsp://h/a", "*"), Is.EqualTo("rtsp://h/a"));
        Assert.That(MediaUrl.JoinControl("rtsp://h/a", null), Is.EqualTo("rtsp://h/a"));
    }

    [Test]
    public void ARedirectKeepsTheHostForARootedLocation()
    {
        var url = MediaUrl.TryParse("rtsp://u:p@cam:554/old/path?q=1")!;
        Assert.That(url.Resolve("/new"), Is.EqualTo("rtsp://cam/new"));
        Assert.That(url.Resolve("rtsp://x:1/y"), Is.EqualTo("rtsp://x:1/y"));
        Assert.That(url.Resolve("sibling"), Is.EqualTo("rtsp://cam/old/sibling"));
        Assert.That(MediaUrl.TryParse(url.Resolve("/new"))!.WithCredentialsOf(url).Password, Is.EqualTo("p"));
    }

    [Test]
    public void APublishTokenGoesIntoTheQueryEscapedAndIsMasked()
    {
        var assignment = MediaAssignment.Create("cam-42", "rtsp://127.0.0.1/s", "rtmp://streamer/live/cam-42", "a b&c", out var error)!;
        Assert.That(error, Is.Empty);
        Assert.That(assignment.Target.Plain, Is.EqualTo("rtmp://streamer/live/cam-42?token=a%20b%26c"));
        Assert.That(assignment.Target.Masked, Does.Not.Contain("a%20b"));
        var withQuery = MediaAssignment.Create(null, "rtsp://127.0.0.1/s", "rtsp://streamer:8554/cam?x=1", "t", out _)!;
        Assert.That(withQuery.Target.Path, Is.EqualTo("/cam?x=1&token=t"));
    }

    [Test]
    public void AnAssignmentIsTheSameOnlyWithTheSameCameraStreamerTokenAndName()
    {
        static MediaAssignment Make(string name, string source, string target, string token) => MediaAssignment.Create(name, source, target, token, out _)!;
        var running = Make("cam-1", "rtsp://u:p@cam/s", "rtmp://a/live/cam-1", "t1");
        Assert.That(running.SameAs(Make("cam-1", "rtsp://u:p@cam/s", "rtmp://a/live/cam-1", "t1")), Is.True, "sent again with a new relay session");
        Assert.That(running.SameAs(Make("cam-1", "rtsp://u:p@cam/s", "rtmp://b/live/cam-1", "t1")), Is.False, "another streamer");
        Assert.That(running.SameAs(Make("cam-1", "rtsp://u:p@cam/s", "rtmp://a/live/cam-1", "t2")), Is.False, "a new publish token");
        Assert.That(running.SameAs(Make("cam-1", "rtsp://u:q@cam/s", "rtmp://a/live/cam-1", "t1")), Is.False, "new camera credentials");
        Assert.That(running.SameAs(Make("cam-2", "rtsp://u:p@cam/s", "rtmp://a/live/cam-1", "t1")), Is.False, "another name");
    }

    [TestCase("rtmp://cam/s", "rtmp://streamer/live/x")]
    [TestCase("rtsp://cam/s", "http://streamer/live/x")]
    [TestCase(null, "rtmp://streamer/live/x")]
    public void AnAssignmentNeedsAnRtspSourceAndAnRtmpOrRtspTarget(string? source, string target)
    {
        Assert.That(MediaAssignment.Create(null, source, target, null, out var error), Is.Null);
        Assert.That(error, Is.Not.Empty);
    }
}
