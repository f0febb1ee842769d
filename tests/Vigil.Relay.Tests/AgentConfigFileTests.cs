using System.Net;
using Vigil.Stack;

namespace Vigil.Relay.Tests;

/// <summary>
/// The stack's writer of the agent's config file against the agent itself: every setting it writes is
/// a key the agent knows, with a value it takes (an unknown key or a bad value stops the agent with 78).
/// </summary>
[TestFixture]
public sealed class AgentConfigFileTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static AgentConfigFile EverySetting(string dir)
    {
        var config = new AgentConfigFile
        {
            Comment = "every setting",
            RelayKey = Key,
            StateDir = Path.Combine(dir, "state"),
            Serial = "SN-1",
            Model = "IPC-T",
            Firmware = "5.7.3",
            Camera = "lobby",
            CameraUrl = "rtsp://admin:pw@127.0.0.1:554/main",
            EnrollToken = "et_1",
            ReleaseKey = Key,
            Proxy = "http://user:pw@127.0.0.1:3128",
            HeartbeatInterval = TimeSpan.FromSeconds(2.5),
            HeartbeatTimeout = TimeSpan.FromSeconds(7),
            BackoffMin = TimeSpan.FromSeconds(0.25),
            BackoffMax = TimeSpan.FromSeconds(3),
            StableAfter = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(4),
            UpdateTrial = TimeSpan.FromSeconds(90),
            Verbose = true,
            Source = "rtsp://127.0.0.1:554/main",
            Publish = "rtmp://127.0.0.1:1935/live/lobby",
            PublishToken = "pub1.x",
            PublishName = "lobby",
            StatsInterval = TimeSpan.FromSeconds(1),
            TunnelPorts = { 80, 554 },
        };
        config.AddRelay(new IPEndPoint(IPAddress.Loopback, 9)).Relays.Add(new AgentRelayLine("[::1]:9", Key));
        return config;
    }

    [Test]
    public void TheAgentTakesEverySettingTheWriterWrites()
    {
        var dir = TestEnv.TempDir();
        var path = EverySetting(dir).Write(Path.Combine(dir, AgentConfigFile.FileName));
        var argv = AgentProcess.CommandLine(TestEnv.Agent, "id", path);
        var (code, output) = AgentProcess.RunToEnd(argv[0], argv[1..]);
        Assert.That(code, Is.Zero, $"{output}\n{File.ReadAllText(path)}");
    }

    [Test]
    public void TheFileIsTheOwnersAloneAndSecondsKeepTheirFraction()
    {
        var dir = TestEnv.TempDir();
        var path = EverySetting(dir).Write(Path.Combine(dir, AgentConfigFile.FileName));
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        var text = File.ReadAllText(path);
        Assert.That(text, Does.Contain("heartbeat_interval = 2.5\n").And.Contain("backoff_min = 0.25\n").And.Contain("tunnel_ports = 80,554\n")
            .And.Contain("relay = 127.0.0.1:9\n").And.Contain($"relay = [::1]:9 {Key}\n"));
    }
}
