using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Vigil.Stack;

/// <summary>
/// A vigil-relay as a node of a portal's cluster: registered through the portal's API ahead of its
/// start (its API address, and an API token made here and handed to both), then started with the
/// portal token the portal gave, so that it reports hellos and presence to that portal.
/// </summary>
public static class PortalRelayNode
{
    /// <param name="admin">an admin's client of the portal at <paramref name="portal"/>.</param>
    /// <param name="tunnels">whether the node takes the portal's tunnel key, so that the portal's tunnel tokens open its tunnels.</param>
    /// <param name="apiVia">the port the portal reaches the node's API on, given that API's port (a gate in front of it); null: that port.</param>
    /// <param name="dir">the node's folder (its key, tokens and log); null: a fresh temporary one.</param>
    /// <param name="extraArgs">further options of vigil-relay.</param>
    /// <returns>The node, and the portal token it reports with (what the node presents to the portal's internal API).</returns>
    public static async Task<(RelayProcess Relay, string PortalToken)> StartAsync(HttpClient admin, Uri portal, string relayDll, string nodeId,
        bool tunnels = false, Func<int, int>? apiVia = null, string? dir = null, params string[] extraArgs)
    {
        dir ??= Directory.CreateTempSubdirectory("vigil-relay-").FullName;
        Directory.CreateDirectory(dir);
        var apiToken = "node-api-token-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(dir, "api.token"), apiToken + "\n").ConfigureAwait(false);
        var apiPort = RelayProcess.FreePort();
        var reachedOn = apiVia?.Invoke(apiPort) ?? apiPort;
        using var registered = await admin.PutAsJsonAsync(new Uri(portal, $"/api/v1/relays/{nodeId}"),
            new JsonObject { ["api_url"] = $"http://127.0.0.1:{reachedOn}", ["api_token"] = apiToken }).ConfigureAwait(false);
        var text = await registered.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (registered.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"PUT /api/v1/relays/{nodeId}: {(int)registered.StatusCode} {text}");
        }
        var portalToken = JsonNode.Parse(text)!["portal_token"]!.GetValue<string>();
        await File.WriteAllTextAsync(Path.Combine(dir, "portal.token"), portalToken).ConfigureAwait(false);
        string[] args = ["--node-id", nodeId, "--portal-url", portal.ToString(), "--portal-token-file", Path.Combine(dir, "portal.token")];
        if (tunnels)
        {
            var tunnelKey = (await admin.GetStringAsync(new Uri(portal, "/api/v1/tunnel-key")).ConfigureAwait(false)).Trim();
            args = [.. args, "--tunnel-key", tunnelKey];
        }
        return (await RelayProcess.StartAsync(relayDll, [.. args, .. extraArgs], dir, apiPort).ConfigureAwait(false), portalToken);
    }
}
