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
        var key = await RegisteredKeyAsync(portal.Api, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (key is null)
        {
            await portal.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("the embedded relay did not register its key within 30 s");
        }
        return new EmbeddedRelayPortal(portal, relay, Convert.FromBase64String(key), dir);
    }

    /// <summary>
    /// The embedded relay node's static public key (base64) once it has registered at the portal, as
    /// the portal lists it to an admin (<paramref name="api"/>); null if it did not within the limit.
    /// </summary>
    public static async Task<string?> RegisteredKeyAsync(HttpClient api, TimeSpan limit)
    {
        string? key = null;
        await Poll.WithinAsync(limit, async () =>
        {
            var nodes = JsonNode.Parse(await api.GetStringAsync("/api/v1/relays").ConfigureAwait(false))!.AsArray();
            key = nodes.FirstOrDefault(n => n!["node_id"]!.GetValue<string>() == "embedded")?["public_key"]?.GetValue<string>();
            return key is { Length: > 0 };
        }).ConfigureAwait(false);
        return key is { Length: > 0 } ? key : null;
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
