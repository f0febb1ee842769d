using System.Net;
using System.Net.Sockets;
using Vigil.LoadTool;
using Vigil.Stack;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;
using Vigil.Protocol.Tunnels;
using Vigil.Relay.Api;
using Vigil.Protocol.OpenSsl;

namespace Vigil.Attack.Tests;

/// <summary>
/// A tunnel token seen once (in a log, a proxy, a shell history) must not open a second tunnel: the
/// real relay honours each token once, and tokens signed for the same device and port in the same
/// second are still distinct, so the portal's back-to-back tunnels keep working.
/// </summary>
[TestFixture]
public sealed class TunnelReplayAttackTests
{
    private RelayProcess _relay = null!;
    private SimAgent _agent = null!;
    private string _deviceId = "";
    private byte[] _signingKey = [];
    private TcpListener _echo = null!;
    private CancellationTokenSource _stop = null!;
    private int Port => ((IPEndPoint)_echo.LocalEndpoint).Port;
    private IPEndPoint Api => new(IPAddress.Loopback, _relay.Api.BaseAddress!.Port);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        (_signingKey, var publicKey) = TunnelToken.GenerateSigningKey();
        _relay = await LinkAttackRig.StartRelayAsync("--tunnel-key", Convert.ToBase64String(publicKey));
        _stop = new CancellationTokenSource();
        _echo = new TcpListener(IPAddress.Loopback, 0);
        _echo.Start();
        _ = EchoAsync(_stop.Token);
        using var key = KeyPair.Generate();
        _deviceId = DeviceIdentity.DeviceId(key.PublicKey);
        _agent = await SimAgent.ConnectAsync(_relay.AgentEndPoint, _relay.PublicKey, key, NativeChaChaPolyFactory.Instance, "TUNNEL-1", [Port]);
        await _agent.HelloOk;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _stop.Cancel();
        _echo.Stop();
        _agent.Close("done");
        await _relay.DisposeAsync();
    }

    [Test]
    public async Task AReplayedTokenIsRefused()
    {
        var token = Sign();
        await using (var first = await TunnelClient.ConnectAsync(Api, _deviceId, Port, token))
        {
            await AssertEchoesAsync(first);
        }
        var replay = Assert.ThrowsAsync<TunnelRefusedException>(async () => await TunnelClient.ConnectAsync(Api, _deviceId, Port, token));
        Assert.That(replay!.Status, Is.EqualTo(403));
        Assert.That(replay.Reason, Does.Contain("replayed"));
        Assert.That(await LinkAttackRig.RelayMetric(_relay, "vigil_relay_tunnel_refusals_total{reason=\"replayed\"}"), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task AReplayWhileTheFirstTunnelIsOpenIsRefused()
    {
        var token = Sign();
        await using var first = await TunnelClient.ConnectAsync(Api, _deviceId, Port, token);
        Assert.ThrowsAsync<TunnelRefusedException>(async () => await TunnelClient.ConnectAsync(Api, _deviceId, Port, token));
        await AssertEchoesAsync(first);
    }

    [Test]
    public async Task TokensSignedInTheSameSecondAreEachHonouredOnce()
    {
        // What the portal does when it opens several tunnels at once (ONVIF through an agent).
        var now = DateTimeOffset.UtcNow;
        var a = Sign(now);
        var b = Sign(now);
        Assert.That(a, Is.Not.EqualTo(b));
        await using var first = await TunnelClient.ConnectAsync(Api, _deviceId, Port, a);
        await using var second = await TunnelClient.ConnectAsync(Api, _deviceId, Port, b);
        await AssertEchoesAsync(first);
        await AssertEchoesAsync(second);
    }

    private string Sign(DateTimeOffset? at = null)
    {
        var now = at ?? DateTimeOffset.UtcNow;
        return new TunnelToken { DeviceId = _deviceId, Port = Port, IssuedAt = now, ExpiresAt = now.AddMinutes(5), Subject = "attack" }.Sign(_signingKey);
    }

    private static async Task AssertEchoesAsync(Stream tunnel)
    {
        var sent = "through the tunnel"u8.ToArray();
        await tunnel.WriteAsync(sent);
        var got = new byte[sent.Length];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tunnel.ReadExactlyAsync(got, timeout.Token);
        Assert.That(got, Is.EqualTo(sent));
    }

    private async Task EchoAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _echo.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var s = client.GetStream();
                    var buffer = new byte[8192];
                    try
                    {
                        int n;
                        while ((n = await s.ReadAsync(buffer, ct)) > 0)
                        {
                            await s.WriteAsync(buffer.AsMemory(0, n), ct);
                        }
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                    {
                    }
                }
            }, ct);
        }
    }
}
