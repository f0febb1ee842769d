using System.Net;
using System.Text.Json.Nodes;

namespace Vigil.Stack;

/// <summary>A vigil-portal on a fresh SQLite file with its embedded relay (the single-server setup), on free loopback ports.</summary>
public sealed class EmbeddedRelayPortal : IAsyncDisposable
{
    private EmbeddedRelayPortal(PortalProcess portal, IPEndPoint relay, byte[] relayKey, string dir)
    {
        Portal = portal;
        Relay = relay;
        RelayKey = relayKey;
        Dir = dir;
    }

    public PortalProcess Portal { get; }

    /// <summary>Where the embedded relay takes agents.</summary>
    public IPEndPoint Relay { get; }

    /// <summary>The embedded relay's static public key, as the portal lists it.</summary>
    public byte[] RelayKey { get; }

    public string Dir { get; }

    public static async Task<EmbeddedRelayPortal> StartAsync(string portalDll, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dir = Directory.CreateTempSubdirectory("vigil-portal-relay-").FullName;
        var relay = new IPEndPoint(IPAddress.Loopback, RelayProcess.FreePort());
        var portal = await PortalProcess.StartAsync(portalDll, Path.Combine(dir, "portal.db"), environment,
            ["--embedded-relay", relay.ToString(), "--embedded-relay-api", $"127.0.0.1:{RelayProcess.FreePort()}", "--data-dir", Path.Combine(dir, "data")])
            .ConfigureAwait(false);
        string? key = null;
        await Poll.WithinAsync(TimeSpan.FromSeconds(30), async () =>
        {
            var nodes = JsonNode.Parse(await portal.Api.GetStringAsync("/api/v1/relays").ConfigureAwait(false))!.AsArray();
            key = nodes.FirstOrDefault(n => n!["node_id"]!.GetValue<string>() == "embedded")?["public_key"]?.GetValue<string>();
            return key is { Length: > 0 };
        }).ConfigureAwait(false);
        if (key is not { Length: > 0 })
        {
            await portal.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("the embedded relay did not register its key within 30 s");
        }
        return new EmbeddedRelayPortal(portal, relay, Convert.FromBase64String(key), dir);
    }

    public async ValueTask DisposeAsync()
    {
        await Portal.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
