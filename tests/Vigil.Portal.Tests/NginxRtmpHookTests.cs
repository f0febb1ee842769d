using System.Diagnostics;
using Vigil.Stack;
using static Vigil.Portal.Tests.Streaming;

namespace Vigil.Portal.Tests;

/// <summary>
/// A real nginx with libnginx-mod-rtmp, configured from the streamer node's shipped files
/// (deploy/nginx-rtmp), asks the portal's hook (on_publish, on_play) while a real ffmpeg publishes to
/// it and a real ffprobe plays from it: what a camera's agent and a viewer do.
/// </summary>
public sealed class NginxRtmpHookTests
{
    private const string Nginx = "/usr/sbin/nginx";
    private const string RtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
    private const string Ffmpeg = "/usr/bin/ffmpeg";
    private const string Ffprobe = "/usr/bin/ffprobe";
    private PortalServer _portal = null!;
    private PortalClient _admin = null!;
    private StreamerNode? _node;
    private string _camera = null!;
    private DeviceMade _device = null!;
    private PortalClient _viewer = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        var missing = new[] { Nginx, RtmpModule, Ffmpeg, Ffprobe }.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail($"missing {string.Join(", ", missing)}: ./build.sh test installs nginx, libnginx-mod-rtmp and ffmpeg");
            }
            Assert.Ignore($"missing {string.Join(", ", missing)} (./build.sh test installs them)");
        }
        _portal = await PortalServer.StartAsync(TestDatabases.Sqlite);
        _admin = await _portal.AdminAsync();
        _node = await StreamerNode.RegisterAsync(_admin.Http, _portal.BaseAddress, Unique("nginx"), new StreamerSettings { LogPublishes = true });
        var streamer = _node;
        var group = await GroupAsync(_admin);
        _camera = await CameraAsync(_admin, streamer.Name, group: group);
        _device = await DeviceAsync(_portal, _admin, _camera);
        long viewerId;
        (_viewer, viewerId) = await _portal.UserAsync(_admin, Unique("viewer"));
        await MemberAsync(_admin, group, viewerId);

        await _node.StartAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
        _viewer?.Dispose();
        _admin?.Dispose();
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    private string Ingest(string token) => $"rtmp://127.0.0.1:{_node!.RtmpPort}/live/{_camera}?token={token}";

    private string ErrorLog() => _node is not null && File.Exists(Path.Combine(_node.Dir, "error.log")) ? File.ReadAllText(Path.Combine(_node.Dir, "error.log")) : "";

    private static string[] Publish(string url, int seconds) =>
        ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-f", "flv", url];

    [Test]
    public async Task TheBoundDevicesTokenPublishesAndAWrongOneIsThrownOff()
    {
        var good = await RunAsync(Ffmpeg, Publish(Ingest(_device.PublishToken), 3), TimeSpan.FromSeconds(60));
        Assert.That(good.Exit, Is.Zero, $"ffmpeg: {good.Error}\nnginx: {ErrorLog()}");
        Assert.That(_portal.Log.Text, Does.Contain($"nginx-rtmp hook: publish of '{_camera}' from 127.0.0.1 allowed"));

        var bad = await RunAsync(Ffmpeg, Publish(Ingest("pub1." + new string('A', 32)), 3), TimeSpan.FromSeconds(60));
        Assert.That(bad.Exit, Is.Not.Zero, "nginx-rtmp must drop a publisher the hook refused");
        Assert.That(_portal.Log.Text, Does.Contain($"nginx-rtmp hook: publish of '{_camera}' from 127.0.0.1 denied: not the bound device's current publish token"));
    }

    [Test]
    public async Task PlayNeedsTheViewersPlaybackToken()
    {
        int Published() => _portal.Log.Text.Split('\n').Count(l => l.Contains($"publish of '{_camera}' from 127.0.0.1 allowed", StringComparison.Ordinal));
        var before = Published();
        using var publisher = Process.Start(new ProcessStartInfo(Ffmpeg, Publish(Ingest(_device.PublishToken), 40)) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            var live = await WithinAsync(TimeSpan.FromSeconds(20), () => Task.FromResult(Published() > before && !publisher.HasExited));
            Assert.That(live, Is.Not.Null, $"the publisher did not get on: {ErrorLog()}");

            var token = TokenOf((await PlaybackAsync(_viewer, _camera))["live"]!["hls"]);
            string[] Probe(string t) => ["-v", "error", "-rw_timeout", "10000000", "-show_entries", "stream=codec_name", "-of", "default=nw=1", Ingest(t)];
            var good = await RunAsync(Ffprobe, Probe(token), TimeSpan.FromSeconds(40));
            Assert.That(good.Exit, Is.Zero, $"ffprobe: {good.Error}\nnginx: {ErrorLog()}");
            Assert.That(good.Output, Does.Contain("codec_name=h264"));

            var bad = await RunAsync(Ffprobe, Probe(token[..^4] + "AAAA"), TimeSpan.FromSeconds(40));
            Assert.That(bad.Exit, Is.Not.Zero, "nginx-rtmp must drop a player the hook refused");
            Assert.That(bad.Output, Does.Not.Contain("codec_name"));
            Assert.That(_portal.Log.Text, Does.Contain($"nginx-rtmp hook: play of '{_camera}' from 127.0.0.1 denied: token not signed by this installation"));
        }
        finally
        {
            if (!publisher.HasExited)
            {
                publisher.Kill();
            }
            // Gone before the next test publishes the same stream name.
            await publisher.WaitForExitAsync();
        }
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string file, string[] args, TimeSpan limit)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail($"{Path.GetFileName(file)} ran past {limit.TotalSeconds} s");
        }
        return (process.ExitCode, await output, await error);
    }
}
