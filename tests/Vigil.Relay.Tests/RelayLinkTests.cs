using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vigil.LoadTool;
using Vigil.Stack;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;
using Vigil.Protocol.Tunnels;
using Vigil.Relay.Api;
using Vigil.Protocol.OpenSsl;

namespace Vigil.Relay.Tests;

/// <summary>
/// One relay process and one real agent (the NativeAOT binary in CI) for the whole fixture: the
/// agent's managed crypto against the relay's platform crypto, the node API, tunnels, and hostile
/// connections that must close only themselves.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RelayLinkTests
{
    private RelayProcess _relay = null!;
    private AgentProcess _agent = null!;
    private CancellationTokenSource _stop = null!;
    private TcpListener _echo = null!;
    private byte[] _signingKey = null!;
    private int _echoPort;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _stop = new CancellationTokenSource();
        (_echo, _) = TestEnv.EchoServer(_stop.Token);
        _echoPort = ((IPEndPoint)_echo.LocalEndpoint).Port;
        var (sk, pk) = TunnelToken.GenerateSigningKey();
        _signingKey = sk;
        _relay = await TestEnv.StartRelayAsync("--handshake-timeout", "2", "--heartbeat-interval", "1", "--heartbeat-timeout", "3", "--tunnel-key", Convert.ToBase64String(pk));
        _agent = await AgentProcess.StartAsync(TestEnv.Agent, _relay, [_echoPort], c => (c.Model, c.Firmware) = ("IPC-T", "5.7.3"));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _agent.DisposeAsync();
        await _relay.DisposeAsync();
        _stop.Cancel();
        _echo.Stop();
        _stop.Dispose();
    }

    private async Task AgentStillAnswers()
    {
        var response = await Command(_agent.DeviceId, "{\"name\":\"echo\",\"args\":{\"still\":\"here\"}}");
        Assert.That(response.GetProperty("ok").GetBoolean(), Is.True, "the good agent's session must survive the hostile one");
        Assert.That(response.GetProperty("result").GetProperty("still").GetString(), Is.EqualTo("here"));
    }

    private async Task<JsonElement> Command(string device, string json)
    {
        using var response = await _relay.Api.PostAsync($"/v1/sessions/{device}/commands", new StringContent(json, Encoding.UTF8, "application/json"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Test]
    public async Task AgentIsListedWithWhatItSaidInItsHello()
    {
        var sessions = JsonDocument.Parse(await _relay.Api.GetStringAsync("/v1/sessions")).RootElement;
        var me = sessions.EnumerateArray().Single(s => s.GetProperty("device_id").GetString() == _agent.DeviceId);
        Assert.Multiple(() =>
        {
            Assert.That(me.GetProperty("serial").GetString(), Is.EqualTo("BENCH0001"));
            Assert.That(me.GetProperty("model").GetString(), Is.EqualTo("IPC-T"));
            Assert.That(me.GetProperty("firmware").GetString(), Is.EqualTo("5.7.3"));
            Assert.That(me.GetProperty("fingerprint").GetString(), Does.Match("^([0-9a-f]{4}:){7}[0-9a-f]{4}$"));
            Assert.That(me.GetProperty("local_address").GetString(), Is.EqualTo("127.0.0.1"), "the camera's own address, as an operator reads it");
            Assert.That(me.GetProperty("tunnel_ports").EnumerateArray().Select(p => p.GetInt32()), Is.EqualTo(new[] { _echoPort }));
        });
        var status = await File.ReadAllTextAsync(Path.Combine(_agent.StateDir, "status"));
        Assert.That(status, Does.Contain("state=connected"));
    }

    [Test]
    public async Task CommandsReachTheAgentAndComeBackWithTheirResult()
    {
        var echo = await Command(_agent.DeviceId, "{\"name\":\"echo\",\"args\":{\"n\":42,\"s\":\"x\"}}");
        Assert.That(echo.GetProperty("ok").GetBoolean(), Is.True);
        Assert.That(echo.GetProperty("result").GetProperty("n").GetInt32(), Is.EqualTo(42));
        Assert.That(echo.GetProperty("round_trip_ms").GetDouble(), Is.GreaterThan(0));

        var unknown = await Command(_agent.DeviceId, "{\"name\":\"reboot-the-world\"}");
        Assert.That(unknown.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(unknown.GetProperty("error").GetString(), Does.Contain("unknown command"));

        var status = await Command(_agent.DeviceId, "{\"name\":\"status\"}");
        Assert.That(status.GetProperty("result").GetProperty("device_id").GetString(), Is.EqualTo(_agent.DeviceId));
    }

    [Test]
    public async Task TheNodeApiNeedsItsToken()
    {
        using var anonymous = new HttpClient { BaseAddress = _relay.Api.BaseAddress };
        Assert.That((await anonymous.GetAsync("/v1/sessions")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await anonymous.GetAsync("/metrics")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await anonymous.PostAsync("/v1/drain", null)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-token-at-all");
        Assert.That((await anonymous.GetAsync("/v1/sessions")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await anonymous.GetAsync("/healthz")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task BadApiRequestsGetAClearError()
    {
        using var badJson = await _relay.Api.PostAsync($"/v1/sessions/{_agent.DeviceId}/commands", new StringContent("{not json", Encoding.UTF8, "application/json"));
        Assert.That(badJson.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var noName = await _relay.Api.PostAsync($"/v1/sessions/{_agent.DeviceId}/commands", JsonContent.Create(new { args = 1 }));
        Assert.That(noName.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var unknown = await _relay.Api.PostAsync("/v1/sessions/nosuchdevice/commands", JsonContent.Create(new { name = "ping" }));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await unknown.Content.ReadAsStringAsync(), Does.Contain("no agent"));
        using var huge = await _relay.Api.PostAsync($"/v1/sessions/{_agent.DeviceId}/commands", new StringContent("{\"name\":\"echo\",\"args\":\"" + new string('a', 200_000) + "\"}", Encoding.UTF8, "application/json"));
        Assert.That((int)huge.StatusCode, Is.InRange(400, 499));
    }

    [Test]
    public async Task GarbageInsteadOfAHandshakeClosesOnlyThatConnection()
    {
        var before = await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"bad_preamble\"}");
        using (var c = new TcpClient())
        {
            await c.ConnectAsync(_relay.AgentEndPoint);
            await c.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            Assert.That(await ReadUntilClosed(c), Is.True, "the relay must close a connection that is not a Vigil link");
        }
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"bad_preamble\"}"), Is.EqualTo(before + 1));
        await AgentStillAnswers();
    }

    [Test]
    public async Task AnOversizeHandshakeLengthIsRefusedBeforeItIsBuffered()
    {
        var before = await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"frame_too_large\"}");
        using var c = new TcpClient();
        await c.ConnectAsync(_relay.AgentEndPoint);
        var preamble = new byte[LinkPreamble.Length + 2];
        LinkPreamble.Write(preamble);
        preamble[^2] = 0xFF;
        preamble[^1] = 0xFF;
        await c.GetStream().WriteAsync(preamble);
        Assert.That(await ReadUntilClosed(c), Is.True);
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"frame_too_large\"}"), Is.EqualTo(before + 1));
        await AgentStillAnswers();
    }

    [Test]
    public async Task ATruncatedHandshakeAndAWrongVersionAreCounted()
    {
        var truncated = await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"truncated_handshake\"}");
        using (var c = new TcpClient())
        {
            await c.ConnectAsync(_relay.AgentEndPoint);
            var bytes = new byte[LinkPreamble.Length + 2 + 20];
            LinkPreamble.Write(bytes);
            bytes[LinkPreamble.Length + 1] = 96; // announces 96 bytes, sends 20, then closes
            var stream = c.GetStream();
            await stream.WriteAsync(bytes);
            c.Client.Shutdown(SocketShutdown.Send);
            Assert.That(await ReadUntilClosed(stream), Is.True);
        }
        var version = await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"unsupported_version\"}");
        using (var c = new TcpClient())
        {
            await c.ConnectAsync(_relay.AgentEndPoint);
            var bytes = new byte[LinkPreamble.Length];
            LinkPreamble.Write(bytes, version: 9);
            await c.GetStream().WriteAsync(bytes);
            Assert.That(await ReadUntilClosed(c), Is.True);
        }
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"truncated_handshake\"}"), Is.EqualTo(truncated + 1));
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"unsupported_version\"}"), Is.EqualTo(version + 1));
    }

    [Test]
    public async Task ASlowlorisThatNeverFinishesItsHandshakeIsCutAtTheDeadline()
    {
        var before = await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"handshake_timeout\"}");
        using var c = new TcpClient();
        await c.ConnectAsync(_relay.AgentEndPoint);
        var preamble = new byte[LinkPreamble.Length];
        LinkPreamble.Write(preamble);
        await c.GetStream().WriteAsync(preamble.AsMemory(0, 5)); // then nothing: the relay's deadline is 2 s
        var started = DateTime.UtcNow;
        Assert.That(await ReadUntilClosed(c, TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(6)));
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_handshake_failures_total{reason=\"handshake_timeout\"}"), Is.EqualTo(before + 1));
        await AgentStillAnswers();
    }

    [Test]
    public async Task ATamperedOrReplayedFrameClosesThatSessionWithBadTag()
    {
        var before = await TestEnv.Metric(_relay, "vigil_relay_sessions_closed_total{reason=\"bad_tag\"}");
        using var key = KeyPair.Generate();
        var wire = await RawSession.ConnectAsync(_relay, key);
        // A valid ping, then the very same frame again: a replay must not be accepted.
        var ping = wire.EncryptPing();
        await wire.SendAsync(ping);
        await wire.SendAsync(ping);
        Assert.That(await ReadUntilClosed(wire.Client), Is.True);

        using var key2 = KeyPair.Generate();
        var tampered = await RawSession.ConnectAsync(_relay, key2);
        var frame = tampered.EncryptPing();
        frame[^3] ^= 0x40;
        await tampered.SendAsync(frame);
        Assert.That(await ReadUntilClosed(tampered.Client), Is.True);

        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_sessions_closed_total{reason=\"bad_tag\"}"), Is.EqualTo(before + 2));
        await AgentStillAnswers();
    }

    [Test]
    public async Task AHalfOpenAgentIsClosedAtTheHeartbeatDeadline()
    {
        // A peer that completed its hello and then went silent (its TCP half-open, its camera
        // powered off): the relay pings it, gets nothing, and closes it after 3 s.
        var before = await TestEnv.Metric(_relay, "vigil_relay_sessions_closed_total{reason=\"heartbeat_timeout\"}");
        using var key = KeyPair.Generate();
        var silent = await RawSession.ConnectAsync(_relay, key);
        Assert.That(await TestEnv.Listed(_relay, silent.DeviceId), Is.True);
        Assert.That(await TestEnv.WaitUntil(async () => !await TestEnv.Listed(_relay, silent.DeviceId), TimeSpan.FromSeconds(8)), Is.True,
            "a silent session must be dropped at the deadline");
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_sessions_closed_total{reason=\"heartbeat_timeout\"}"), Is.GreaterThan(before));
        // The real agent answers pings, so it is still there.
        Assert.That(await TestEnv.Listed(_relay, _agent.DeviceId), Is.True);
    }

    [Test]
    public async Task ANewerSessionOfTheSameDeviceReplacesTheOlder()
    {
        using var key = KeyPair.Generate();
        var first = await SimAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey, key, NativeChaChaPolyFactory.Instance, "TWIN");
        await first.HelloOk;
        var second = await SimAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey, key, NativeChaChaPolyFactory.Instance, "TWIN");
        await second.HelloOk;
        var closed = await first.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(closed, Is.Not.Null, "the older session's transport must be closed at once");
        Assert.That(second.IsClosed, Is.False);
        var id = DeviceIdentity.DeviceId(key.PublicKey);
        var sessions = JsonDocument.Parse(await _relay.Api.GetStringAsync("/v1/sessions")).RootElement;
        Assert.That(sessions.EnumerateArray().Count(s => s.GetProperty("device_id").GetString() == id), Is.EqualTo(1));
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_sessions_closed_total{reason=\"replaced\"}"), Is.GreaterThanOrEqualTo(1));
        second.Close("done");
    }

    private string Token(string device, int port, TimeSpan? life = null, byte[]? signingKey = null, DateTimeOffset? issued = null)
    {
        var now = issued ?? DateTimeOffset.UtcNow;
        return new TunnelToken { DeviceId = device, Port = port, IssuedAt = now, ExpiresAt = now + (life ?? TimeSpan.FromMinutes(2)), Subject = "tests" }.Sign(signingKey ?? _signingKey);
    }

    [Test]
    public async Task ATunnelCarriesBytesToTheCamerasLocalPortAndBack()
    {
        await using var tunnel = await TunnelClient.ConnectAsync(TestEnv.ApiEndPoint(_relay), _agent.DeviceId, _echoPort, Token(_agent.DeviceId, _echoPort));
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        var reading = Task.Run(async () =>
        {
            var got = new MemoryStream();
            var buffer = new byte[65536];
            int n;
            while (got.Length < payload.Length && (n = await tunnel.ReadAsync(buffer)) > 0)
            {
                got.Write(buffer, 0, n);
            }
            return got.ToArray();
        });
        // No half-close: the relay's HTTP server ends an upgraded connection at the client's FIN.
        await tunnel.WriteAsync(payload);
        var echoed = await reading.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(echoed, Is.EqualTo(payload), "every byte must come back, in order");
    }

    [Test]
    public async Task TunnelRequestsWithoutAGoodTokenAreRefused()
    {
        var api = TestEnv.ApiEndPoint(_relay);
        var device = _agent.DeviceId;
        var (otherKey, _) = TunnelToken.GenerateSigningKey();
        async Task<int> Status(string token, int port) =>
            Assert.ThrowsAsync<TunnelRefusedException>(async () => await TunnelClient.ConnectAsync(api, device, port, token))!.Status;

        Assert.That(await Status(Token(device, _echoPort, issued: DateTimeOffset.UtcNow.AddMinutes(-10), life: TimeSpan.FromMinutes(5)), _echoPort), Is.EqualTo(403), "expired");
        Assert.That(await Status(Token(device, _echoPort, signingKey: otherKey), _echoPort), Is.EqualTo(403), "forged");
        Assert.That(await Status(Token(device, _echoPort + 1), _echoPort), Is.EqualTo(403), "scoped to another port");
        Assert.That(await Status(Token("someotherdevice", _echoPort), _echoPort), Is.EqualTo(403), "scoped to another device");
        Assert.That(await Status(Token(device, _echoPort, life: TimeSpan.FromDays(2)), _echoPort), Is.EqualTo(403), "too long-lived");
        Assert.That(await Status("garbage", _echoPort), Is.EqualTo(403), "malformed");
        // A valid token for a port the agent does not allow.
        Assert.That(await Status(Token(device, 22), 22), Is.EqualTo(403), "port outside the agent's allow-list");
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_tunnel_refusals_total{reason=\"expired\"}"), Is.GreaterThanOrEqualTo(1));
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_tunnel_refusals_total{reason=\"bad_signature\"}"), Is.GreaterThanOrEqualTo(1));
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_tunnel_refusals_total{reason=\"wrong_scope\"}"), Is.GreaterThanOrEqualTo(2));
        Assert.That(await TestEnv.Metric(_relay, "vigil_relay_tunnel_refusals_total{reason=\"port_not_allowed\"}"), Is.GreaterThanOrEqualTo(1));

        // Without the upgrade, the endpoint says what it wants.
        using var plain = new HttpClient { BaseAddress = _relay.Api.BaseAddress };
        Assert.That((int)(await plain.GetAsync($"/v1/tunnel/{device}/{_echoPort}")).StatusCode, Is.EqualTo(426));
    }

    private static Task<bool> ReadUntilClosed(TcpClient c, TimeSpan? timeout = null) => ReadUntilClosed(c.GetStream(), timeout);

    private static async Task<bool> ReadUntilClosed(NetworkStream stream, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true; // reset counts as closed
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
