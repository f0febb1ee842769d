using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Build;
using Vigil.Stack;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// linux-arm64, a shipped camera build: the binary ./build.sh test published through the gates
/// (VIGIL_AGENT_AOT_ARM64) and its package (VIGIL_AGENT_PACKAGE_ARM64), run under qemu-user
/// against the real peers: a relay (handshake and a command), the GStreamer camera and nginx-rtmp
/// (the media path, judged by ffprobe), and install.sh with the busybox init script in an arm64
/// busybox root. Few and focused: every second of emulation counts in the test run.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class Arm64Tests
{
    private static readonly CrossTarget Arm64 = CrossTarget.Find("linux-arm64");

    [Test]
    public void TheArm64AgentIsAnAArch64BinaryStrippedWithinItsBudgetAndRunsUnderQemu()
    {
        var agent = FirmwareEnv.Arm64Agent;
        var size = new FileInfo(agent).Length;
        Assert.That(size, Is.LessThanOrEqualTo(AgentPublisher.SizeBudgetBytes), "the stripped linux-arm64 agent is over its budget");
        var (_, header) = Processes.Run(TimeSpan.FromSeconds(10), "readelf", ["-h", "-S", "-W", agent]);
        Assert.That(header, Does.Contain("AArch64").And.Contain(".text").And.Not.Contain(".symtab").And.Not.Contain(".debug_"), "an aarch64 ELF, stripped");
        var (code, version) = Toolchains.Run(Arm64, agent, "version");
        Assert.That(code, Is.EqualTo(0), version);
        Assert.That(version, Does.Match(@"^vigil-agent \d+\.\d+\.\d+"));
    }

    [Test]
    public async Task UnderQemuTheArm64AgentCompletesTheHandshakeWithARealRelayAndAnswersACommand()
    {
        await using var relay = await TestEnv.StartRelayAsync();
        var dir = TestEnv.TempDir();
        var (runner, prefix) = Toolchains.Runner(Arm64);
        await using var agent = FirmwareEnv.Start(dir, FirmwareEnv.Config(relay, Path.Combine(dir, "state"), "ARM64-RELAY"), [runner, .. prefix], binary: FirmwareEnv.Arm64Agent);
        Assert.That(await FirmwareEnv.SessionOf(relay, "ARM64-RELAY", TimeSpan.FromSeconds(60)), Is.Not.Null, agent.Log);
        var device = agent.ReadDeviceId();
        Assert.That(device, Is.Not.Null.And.Length.EqualTo(24), "the arm64 agent derived its device id");

        var answer = await Command(relay, device!, """{"name":"echo","args":{"arch":"aarch64","n":[1,2,3]}}""");
        Assert.That(answer.GetProperty("ok").GetBoolean(), Is.True, answer.ToString());
        Assert.That(answer.GetProperty("result").GetProperty("arch").GetString(), Is.EqualTo("aarch64"));
        Assert.That(answer.GetProperty("result").GetProperty("n").GetArrayLength(), Is.EqualTo(3));
        var unknown = await Command(relay, device!, """{"name":"reboot"}""");
        Assert.That(unknown.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(unknown.GetProperty("error").GetString(), Does.Contain("reboot"));

        Assert.That(await agent.StopAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(0), agent.Log);
    }

    [Test]
    public async Task UnderQemuTheArm64AgentPublishesTheGStreamerCameraToNginxRtmpAndFfprobeDecodesIt()
    {
        const int Frames = 250; // 10 s at 25 fps
        var dir = TestEnv.TempDir();
        var (camera, cameraPort) = await MediaPeers.StartCameraAsync(MediaPeers.CameraScript, "--port", "0", "--frames", $"{Frames}");
        await using var _ = camera;
        // nginx-rtmp as a streamer node runs it; the portal is not part of what is tested here, and the
        // stand-in for its hook lets every publish on. The playlist keeps the whole run, joined below.
        await using var nginx = await OpenStreamer.StartAsync(Path.Combine(dir, "nginx"), playlistSeconds: OpenStreamer.WholeRunSeconds);
        var rtmpPort = nginx.RtmpPort;
        var (runner, prefix) = Toolchains.Runner(Arm64);
        var config = new AgentConfigFile
        {
            StateDir = Path.Combine(dir, "state"), Source = $"rtsp://127.0.0.1:{cameraPort}/stream", Publish = $"rtmp://127.0.0.1:{rtmpPort}/live/cam", StatsInterval = TimeSpan.FromSeconds(1),
        };
        await using var agent = FirmwareEnv.Start(dir, config, [runner, .. prefix], binary: FirmwareEnv.Arm64Agent);

        var eos = await camera.WaitForLineAsync("eos video ", TimeSpan.FromSeconds(120));
        var sent = int.Parse(eos["eos video ".Length..].Trim(), CultureInfo.InvariantCulture);
        await Task.Delay(1500);
        Assert.That(await agent.StopAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(0), agent.Log);
        await Task.Delay(1000); // nginx closes the last fragment when the publisher goes

        var index = nginx.Playlist("cam");
        Assert.That(File.Exists(index), Is.True, $"nginx-rtmp wrote no HLS\n{agent.Log}\n{nginx.Nginx.Output}");
        // The fragments in playlist order as one MPEG-TS (the playlist itself is a live one that ffprobe would
        // wait on); MPEG-TS lists its streams again under its program, hence First below.
        var playlist = Path.Combine(dir, "cam.ts");
        await using (var all = File.Create(playlist))
        {
            foreach (var fragment in File.ReadAllLines(index).Where(l => l.EndsWith(".ts", StringComparison.Ordinal)))
            {
                await using var input = File.OpenRead(Path.Combine(Path.GetDirectoryName(index)!, fragment));
                await input.CopyToAsync(all);
            }
        }
        var (_, probe) = Processes.Run(TimeSpan.FromSeconds(60), "/usr/bin/ffprobe",
            ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=codec_name,nb_read_frames", "-of", "default=nw=1", playlist]);
        Assert.That(probe, Does.Contain("codec_name=h264"), probe);
        var decoded = int.Parse(probe.Split('\n').First(l => l.StartsWith("nb_read_frames=", StringComparison.Ordinal))["nb_read_frames=".Length..].Trim(), CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"the camera sent {sent} video frames; ffprobe decoded {decoded} from nginx-rtmp's HLS");
        Assert.That(decoded, Is.InRange(sent * 0.95, sent * 1.02), $"the frames the arm64 agent forwarded\n{agent.Log}");
        var (_, errors) = Processes.Run(TimeSpan.FromSeconds(60), "/usr/bin/ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-i", playlist, "-f", "null", "-"]);
        Assert.That(errors.Split('\n').Where(l => l.Trim().Length > 0 && !l.StartsWith("[null @", StringComparison.Ordinal)), Is.Empty, "every frame decodes");
    }

    [Test]
    public async Task InAnArm64BusyboxRootInstallShStartsTheAgentThroughTheInitScriptAndItStops()
    {
        FirmwareEnv.RequireAotAgentAndRoot();
        var root = MinimalRoot.CreateArm64(FirmwareEnv.Arm64Agent);
        root.Write("/etc/default/vigil-agent", "RESPAWN_DELAY=1\n");
        var install = PackageTests.ExtractInto(root, FirmwareEnv.Arm64Package);
        Assert.That(root.FileNames(), Has.None.Match(MinimalRoot.AbsentLibraries), "the root must not hold what cameras lack");
        var (_, shell) = Processes.Run(TimeSpan.FromSeconds(10), "readelf", ["-h", root.Combine("/bin/busybox")]);
        var (_, binary) = Processes.Run(TimeSpan.FromSeconds(10), "readelf", ["-h", root.Combine(install.Replace("install.sh", "vigil-agent", StringComparison.Ordinal))]);
        Assert.That(shell + binary, Does.Not.Contain("X86-64").And.Contain("AArch64"), "an arm64 camera: its shell and the packaged agent are aarch64");
        await using var relay = await TestEnv.StartRelayAsync();
        using var arm64 = EmulatedArm64.Start();
        try
        {
            var (code, output) = arm64.Run(root, TimeSpan.FromSeconds(120), "/bin/sh", install, "--relay", relay.AgentEndPoint.ToString(), "--relay-key", Convert.ToBase64String(relay.PublicKey), "--serial", "ARM64-BUSYBOX");
            Assert.That(code, Is.EqualTo(0), output);
            Assert.That(output, Does.Contain("init: busybox").And.Contain("vigil-agent started"));
            Assert.That(await FirmwareEnv.SessionOf(relay, "ARM64-BUSYBOX", TimeSpan.FromSeconds(60)), Is.Not.Null, PackageTests.Log(root));
            var status = arm64.Run(root, TimeSpan.FromSeconds(60), "/etc/init.d/S50vigil-agent", "status");
            Assert.That(status.Code, Is.EqualTo(0), status.Output);
            Assert.That(status.Output, Does.Contain("state=connected"));

            var stop = arm64.Run(root, TimeSpan.FromSeconds(60), "/etc/init.d/S50vigil-agent", "stop");
            Assert.That(stop.Code, Is.EqualTo(0), stop.Output);
            Assert.That(await TestEnv.WaitUntil(async () => await FirmwareEnv.CurrentSession(relay, "ARM64-BUSYBOX") is null, TimeSpan.FromSeconds(15)), Is.True);
            Assert.That(PackageTests.Log(root), Does.Contain("SIGTERM received, stopping"), "stopped cleanly, not killed");
        }
        finally
        {
            PackageTests.KillLeftovers(root);
        }
    }

    private static async Task<JsonElement> Command(RelayProcess relay, string device, string json)
    {
        using var response = await relay.Api.PostAsync($"/v1/sessions/{device}/commands", new StringContent(json, Encoding.UTF8, "application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
