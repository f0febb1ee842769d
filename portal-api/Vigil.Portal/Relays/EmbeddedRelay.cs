using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Relay;

namespace Vigil.Portal.Relays;

/// <summary>
/// The single-server default: a relay node inside the portal's process, so that one command runs
/// everything. It is a real vigil-relay node (the same code, its own Kestrel listener for agents and
/// its node API on loopback), registered in the portal as "embedded" at each start, reporting to the
/// portal over loopback like any other node. Its static key and API token live in the data directory.
/// </summary>
public sealed class EmbeddedRelay(PortalOptions options, RelayStore relays, PortalSecrets secrets, IServer server, IHostApplicationLifetime lifetime,
    ILogger<EmbeddedRelay> log) : IHostedService
{
    public const string NodeId = "embedded";

    /// <summary>The embedded node's secrets in the data directory (each 0600, written by the relay's own key-file code).</summary>
    public static IEnumerable<string> SecretFiles(PortalOptions options) =>
        [Path.Combine(options.DataDir, "relay.key"), Path.Combine(options.DataDir, "relay-api.token")];
    private WebApplication? _relay;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The portal's own address is known only once its server listens.
        lifetime.ApplicationStarted.Register(() => _ = StartRelayAsync());
        return Task.CompletedTask;
    }

    private async Task StartRelayAsync()
    {
        try
        {
            var dir = options.DataDir;
            PrivateFiles.CreateDirectory(dir);
            var apiListen = options.EmbeddedRelayApi;
            var portalUrl = LoopbackUrl(server.Features.Get<IServerAddressesFeature>()!.Addresses.First());
            var nodeToken = Secrets.NewToken("vr_");
            _relay = RelayHosting.Build(new RelayOptions
            {
                NodeId = NodeId,
                Listen = options.EmbeddedRelay,
                ApiListen = apiListen,
                KeyFile = SecretFiles(options).First(),
                ApiTokenFile = SecretFiles(options).Last(),
                PortalUrl = portalUrl,
                PortalToken = nodeToken,
                TunnelTrustedKeys = [Convert.ToBase64String(secrets.TunnelPublicKey)],
            });
            var relaySecrets = _relay.Services.GetRequiredService<RelaySecrets>();
            await relays.UpsertAsync(new RelayRecord
            {
                NodeId = NodeId,
                Endpoints = options.EmbeddedRelay,
                PublicKey = Convert.ToBase64String(relaySecrets.StaticKey.PublicKey),
                ApiUrl = $"http://{apiListen}",
                ApiToken = relaySecrets.ApiToken,
                PortalTokenHash = Secrets.HashToken(nodeToken),
            }).ConfigureAwait(false);
            await _relay.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            PortalLog.EmbeddedRelayFailed(log, e.Message);
            lifetime.StopApplication();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_relay is not null)
        {
            await _relay.StopAsync(cancellationToken).ConfigureAwait(false);
            await _relay.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The portal's listening address as the node dials it: a wildcard host becomes loopback.</summary>
    private static string LoopbackUrl(string address) =>
        address.Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal)
               .Replace("://[::]:", "://127.0.0.1:", StringComparison.Ordinal)
               .Replace("://+:", "://127.0.0.1:", StringComparison.Ordinal)
               .Replace("://*:", "://127.0.0.1:", StringComparison.Ordinal);
}
