using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Vigil.Stack;
using Vigil.Protocol.Link;
using Vigil.Protocol.Mux;

namespace Vigil.Relay.Tests;

/// <summary>The agent binary as a camera runs it: identity, signals, failover, drain, proxies, half-open links.</summary>
[TestFixture]
[NonParallelizable]
public sealed class AgentTests
{
    private static (int Code, string Output) RunAgent(string dir, string config, string command)
    {
        File.WriteAllText(Path.Combine(dir, "agent.conf"), config);
        var agent = TestEnv.Agent;
        var (file, prefix) = agent.EndsWith(".dll", StringComparison.Ordinal) ? ("dotnet", new[] { agent }) : (agent, Array.Empty<string>());
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in prefix.Concat([command, "--config", Path.Combine(dir, "agent.conf")]))
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    private static string StateConfig(string dir) => $"state_dir = {Path.Combine(dir, "state")}\n";

    /// <summary>A config for relays at these addresses, all pinned to one key, with its state in dir/state, and what <paramref name="more"/> sets.</summary>
    private static AgentConfigFile Config(string dir, byte[] relayKey, EndPoint[] relays, Action<AgentConfigFile> more)
    {
        var config = new AgentConfigFile { StateDir = Path.Combine(dir, "state"), RelayKey = Convert.ToBase64String(relayKey) };
        foreach (var relay in relays)
        {
            config.AddRelay(relay);
        }
        more(config);
        return config;
    }

    [Test]
    public void TheIdentityIsMadeOnceKeptPrivateAndReused()
    {
        var dir = TestEnv.TempDir();
        var first = RunAgent(dir, StateConfig(dir), "id");
        var second = RunAgent(dir, StateConfig(dir), "id");
        Assert.That(first.Code, Is.EqualTo(0), first.Output);
        var id = first.Output.Split('\n').Single(l => l.StartsWith("device_id ", StringComparison.Ordinal))[10..].Trim();
        Assert.That(id, Does.Match("^[a-z2-7]{24}$"));
        Assert.That(second.Output, Does.Contain($"device_id {id}"), "the second start must reuse the key, not make another");
        var keyFile = Path.Combine(dir, "state", "agent.key");
        Assert.That(File.GetUnixFileMode(keyFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.ReadAllText(Path.Combine(dir, "state", "agent.id")).Trim(), Is.EqualTo(id));
        Assert.That(Directory.GetFiles(Path.Combine(dir, "state"), "*.tmp"), Is.Empty, "no temporary file is left behind");
    }

    [Test]
    public void ACorruptKeyIsAnErrorAndIsLeftAsItWas()
    {
        var dir = TestEnv.TempDir();
        Assert.That(RunAgent(dir, StateConfig(dir), "id").Code, Is.EqualTo(0));
        var keyFile = Path.Combine(dir, "state", "agent.key");
        File.WriteAllText(keyFile, "vigil-agent-key 1\nprivate AAAA\npublic BBBB\n");
        var (code, output) = RunAgent(dir, StateConfig(dir), "id");
        Assert.That(code, Is.EqualTo(78));
        Assert.That(output, Does.Contain("corrupt").And.Contain("Refusing to make a new identity"));
        Assert.That(File.ReadAllText(keyFile), Does.Contain("private AAAA"), "the broken file is evidence: it must not be overwritten");
    }

    [Test]
    public void AMissingKeyOfAKnownDeviceIsAnErrorNotANewIdentity()
    {
        var dir = TestEnv.TempDir();
        var made = RunAgent(dir, StateConfig(dir), "id");
        var id = File.ReadAllText(Path.Combine(dir, "state", "agent.id")).Trim();
        File.Delete(Path.Combine(dir, "state", "agent.key"));
        var (code, output) = RunAgent(dir, StateConfig(dir), "id");
        Assert.That(made.Code, Is.EqualTo(0));
        Assert.That(code, Is.EqualTo(78));
        Assert.That(output, Does.Contain("missing").And.Contain(id));
        Assert.That(File.Exists(Path.Combine(dir, "state", "agent.key")), Is.False);
    }

    [Test]
    public void AnUnreadableKeyIsAClearError()
    {
        var dir = TestEnv.TempDir();
        Assert.That(RunAgent(dir, StateConfig(dir), "id").Code, Is.EqualTo(0));
        var keyFile = Path.Combine(dir, "state", "agent.key");
        File.Delete(keyFile);
        Directory.CreateDirectory(keyFile); // exists, and cannot be read as a file
        var (code, output) = RunAgent(dir, StateConfig(dir), "id");
        Assert.That(code, Is.EqualTo(78));
        Assert.That(output, Does.Contain("agent.key"));
    }

    [Test]
    public void ABadConfigIsReportedWithItsLine()
    {
        var dir = TestEnv.TempDir();
        var (code, output) = RunAgent(dir, StateConfig(dir) + "relay = 127.0.0.1:1\nrelay_key = not-a-key\n", "run");
        Assert.That(code, Is.EqualTo(78));
        Assert.That(output, Does.Contain("agent.conf:3"));
        (code, output) = RunAgent(dir, StateConfig(dir) + "colour = blue\n", "run");
        Assert.That(code, Is.EqualTo(78));
        Assert.That(output, Does.Contain("unknown key 'colour'"));
        // The camera's own stream must be one the agent can pull.
        (code, output) = RunAgent(dir, StateConfig(dir) + "camera_url = http://127.0.0.1/video\n", "id");
        Assert.That(code, Is.EqualTo(78));
        Assert.That(output, Does.Contain("agent.conf:2").And.Contain("expected rtsp://"));
        Assert.That(RunAgent(dir, StateConfig(dir) + "camera_url = rtsp://admin:pw@127.0.0.1:554/main\n", "id").Code, Is.Zero);
    }

    [Test]
    public async Task SigtermEndsTheAgentCleanly()
    {
        await using var relay = await TestEnv.StartRelayAsync();
        await using var agent = await AgentProcess.StartAsync(TestEnv.Agent, relay, []);
        var code = await agent.StopAsync(TimeSpan.FromSeconds(10));
        Assert.That(code, Is.EqualTo(0), agent.Log);
        Assert.That(File.ReadAllText(Path.Combine(agent.StateDir, "status")), Does.Contain("state=stopped"));
        Assert.That(await TestEnv.WaitUntil(async () => !await TestEnv.Listed(relay, agent.DeviceId), TimeSpan.FromSeconds(5)), Is.True,
            "the relay must see the link end at once, not at the heartbeat deadline");
    }

    [Test]
    public async Task TheAgentRefusesTunnelsToPortsOutsideItsAllowList()
    {
        using var stop = new CancellationTokenSource();
        var (echo, _) = TestEnv.EchoServer(stop.Token);
        var port = ((IPEndPoint)echo.LocalEndpoint).Port;
        await using var fake = new FakeRelay();
        var dir = TestEnv.TempDir();
        await using var agent = AgentProcess.Start(TestEnv.Agent, dir,
            Config(dir, fake.Key.PublicKey, [fake.EndPoint], c => c.TunnelPorts.Add(port)));
        var session = await fake.NextSessionAsync(TimeSpan.FromSeconds(20));
        await session.Hello.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var refused = Assert.ThrowsAsync<MuxStreamException>(async () => await session.OpenStreamAsync(22));
        Assert.That(refused!.Code, Is.EqualTo(MuxError.PortNotAllowed));

        await using var stream = await session.OpenStreamAsync((ushort)port);
        await stream.WriteAsync("through the agent"u8.ToArray());
        await stream.ShutdownWriteAsync();
        var back = new MemoryStream();
        await stream.CopyToAsync(back);
        Assert.That(Encoding.ASCII.GetString(back.ToArray()), Is.EqualTo("through the agent"));
        stop.Cancel();
        echo.Stop();
    }

    [Test]
    public async Task ASilentRelayIsDetectedAndTheAgentReconnects()
    {
        await using var fake = new FakeRelay();
        var dir = TestEnv.TempDir();
        await using var agent = AgentProcess.Start(TestEnv.Agent, dir,
            Config(dir, fake.Key.PublicKey, [fake.EndPoint], c => (c.BackoffMin, c.BackoffMax) = (TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(0.5))));
        var first = await fake.NextSessionAsync(TimeSpan.FromSeconds(20));
        await first.Hello.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var started = Stopwatch.StartNew();
        fake.Silent = true; // the relay's side of the TCP connection goes half-open: nothing comes back
        var closed = await first.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(6)), "the hello_ok said: 2 s without a frame is dead");
        fake.Silent = false;
        var second = await fake.NextSessionAsync(TimeSpan.FromSeconds(10));
        await second.Hello.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(agent.Log, Does.Contain("heartbeat"), agent.Log);
        Assert.That(closed, Is.EqualTo("agent_closed"));
    }

    [Test]
    public async Task WhenItsRelayDiesTheAgentFailsOverToTheNextOne()
    {
        var a = await TestEnv.StartRelayAsync();
        await using var b = await TestEnv.StartRelayAsync();
        var dir = TestEnv.TempDir();
        await using var agent = AgentProcess.Start(TestEnv.Agent, dir,
            new AgentConfigFile { StateDir = Path.Combine(dir, "state"), BackoffMin = TimeSpan.FromSeconds(0.2), BackoffMax = TimeSpan.FromSeconds(1) }.AddRelay(a).AddRelay(b));
        Assert.That(await TestEnv.WaitUntil(async () => agent.ReadDeviceId() is { } id && await TestEnv.Listed(a, id), TimeSpan.FromSeconds(20)), Is.True, agent.Log);
        var id = agent.ReadDeviceId()!;
        await a.DisposeAsync(); // the relay process is killed
        var moved = Stopwatch.StartNew();
        Assert.That(await TestEnv.WaitUntil(() => TestEnv.Listed(b, id), TimeSpan.FromSeconds(15)), Is.True, agent.Log);
        Assert.That(moved.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public async Task AnUnreachableFirstRelayIsSkipped()
    {
        await using var b = await TestEnv.StartRelayAsync();
        var dead = RelayProcess.FreePort();
        var dir = TestEnv.TempDir();
        await using var agent = AgentProcess.Start(TestEnv.Agent, dir,
            Config(dir, b.PublicKey, [new IPEndPoint(IPAddress.Loopback, dead), b.AgentEndPoint], c => (c.BackoffMin, c.BackoffMax) = (TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(1))));
        Assert.That(await TestEnv.WaitUntil(async () => agent.ReadDeviceId() is { } id && await TestEnv.Listed(b, id), TimeSpan.FromSeconds(15)), Is.True, agent.Log);
    }

    [Test]
    public async Task ARelayWithAnotherKeyIsNotTrusted()
    {
        await using var relay = await TestEnv.StartRelayAsync();
        var dir = TestEnv.TempDir();
        using var impostorKey = Vigil.Protocol.Noise.KeyPair.Generate();
        await using var agent = AgentProcess.Start(TestEnv.Agent, dir,
            Config(dir, impostorKey.PublicKey, [relay.AgentEndPoint], c => (c.BackoffMin, c.BackoffMax) = (TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(0.5))));
        Assert.That(await TestEnv.WaitUntil(async () => await TestEnv.Metric(relay, "vigil_relay_handshake_failures_total{reason=\"handshake_failed\"}") >= 2, TimeSpan.FromSeconds(15)), Is.True, agent.Log);
        Assert.That(await TestEnv.Metric(relay, "vigil_relay_sessions"), Is.EqualTo(0));
        Assert.That(await TestEnv.WaitUntil(() => Task.FromResult(agent.Log.Contains("relay_key", StringComparison.Ordinal)), TimeSpan.FromSeconds(5)), Is.True, agent.Log);
    }

    [Test]
    public async Task ADrainSendsAgentsToTheHintedNodeAndKeepsThemAway()
    {
        // Two nodes of one fleet sharing the relay key: the agent knows only the first.
        await using var a = await TestEnv.StartRelayAsync();
        var bDir = TestEnv.TempDir();
        File.Copy(a.KeyFile, Path.Combine(bDir, "relay.key"));
        await using var b = await RelayProcess.StartAsync(TestEnv.RelayDll, [], bDir);
        Assert.That(b.PublicKey, Is.EqualTo(a.PublicKey));
        var dir = TestEnv.TempDir();
        await using var agent = AgentProcess.Start(TestEnv.Agent, dir,
            Config(dir, a.PublicKey, [a.AgentEndPoint], c => (c.BackoffMin, c.BackoffMax) = (TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(1))));
        Assert.That(await TestEnv.WaitUntil(async () => agent.ReadDeviceId() is { } id && await TestEnv.Listed(a, id), TimeSpan.FromSeconds(20)), Is.True, agent.Log);
        var id = agent.ReadDeviceId()!;

        using var drain = await a.Api.PostAsync("/v1/drain", new StringContent($"{{\"retry_after\":300,\"nodes\":[\"{b.AgentEndPoint}\"],\"spread_seconds\":0}}", Encoding.UTF8, "application/json"));
        Assert.That(drain.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await TestEnv.WaitUntil(() => TestEnv.Listed(b, id), TimeSpan.FromSeconds(10)), Is.True, agent.Log);
        Assert.That(await TestEnv.Listed(a, id), Is.False);
        using var health = new HttpClient { BaseAddress = a.Api.BaseAddress };
        Assert.That((await health.GetAsync("/healthz")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        // Kill the new node: the drained one is still off limits for 300 s, so the agent does not go back.
        await b.DisposeAsync();
        await Task.Delay(3000);
        Assert.That(await TestEnv.Listed(a, id), Is.False, "a drained node must not get its agents back before retry_after");
    }

    [Test]
    public async Task TheAgentGetsOutThroughAnHttpProxy()
    {
        if (!File.Exists("/usr/bin/tinyproxy"))
        {
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail("tinyproxy is missing: ./build.sh test installs it");
            }
            Assert.Ignore("tinyproxy is not installed (./build.sh test installs it)");
        }
        await using var relay = await TestEnv.StartRelayAsync();
        var dir = TestEnv.TempDir();
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        var proxyPort = RelayProcess.FreePort();
        var log = Path.Combine(dir, "tinyproxy.log");
        File.WriteAllText(Path.Combine(dir, "tinyproxy.conf"),
            $"User nobody\nGroup nogroup\nPort {proxyPort}\nListen 127.0.0.1\nTimeout 600\nLogFile \"{log}\"\nLogLevel Connect\nMaxClients 50\nAllow 127.0.0.1\nConnectPort {relay.AgentEndPoint.Port}\n");
        using var proxy = Process.Start(new ProcessStartInfo("/usr/bin/tinyproxy", ["-d", "-c", Path.Combine(dir, "tinyproxy.conf")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            await TestEnv.WaitUntil(() => Task.FromResult(CanConnect(proxyPort)), TimeSpan.FromSeconds(10));
            await using var agent = AgentProcess.Start(TestEnv.Agent, dir,
                Config(dir, relay.PublicKey, [relay.AgentEndPoint], c => c.Proxy = $"http://127.0.0.1:{proxyPort}"));
            Assert.That(await TestEnv.WaitUntil(async () => agent.ReadDeviceId() is { } id && await TestEnv.Listed(relay, id), TimeSpan.FromSeconds(20)), Is.True, agent.Log);
            Assert.That(File.ReadAllText(log), Does.Contain("CONNECT"), "the link must have gone through the proxy");
        }
        finally
        {
            proxy.Kill();
        }
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
