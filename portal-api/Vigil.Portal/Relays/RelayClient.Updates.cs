using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vigil.Portal.Data;
using Vigil.Relay.Updates;

namespace Vigil.Portal.Relays;

/// <summary>The node API of agent updates: store a release on a node, push it to one agent, read how pushes go.</summary>
public sealed partial class RelayClient
{
    /// <summary>A node's list of pushes: a few hundred bytes per agent it pushes to, capped all the same.</summary>
    public const int MaxUpdatesBytes = 16 << 20;

    /// <summary>Stores a release on the node (PUT /v1/releases/NAME), streamed from the database chunk by chunk.</summary>
    public async Task PutReleaseAsync(RelayRecord node, AgentRelease release, AgentReleaseStore store, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{node.ApiUrl.TrimEnd('/')}/v1/releases/{Uri.EscapeDataString(release.Name)}")
        {
            Content = new ReleaseContent(release, store),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.ApiToken);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new HttpRequestException($"relay node {node.NodeId} did not store {release.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        }
    }

    /// <summary>Asks the node to push a stored release to the device; the node's status and answer.</summary>
    public async Task<(int Status, string Body)> StartUpdateAsync(RelayRecord node, string deviceId, string releaseName, bool force, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new UpdateRequest(releaseName, force), UpdateJsonContext.Default.UpdateRequest);
        using var request = new HttpRequestMessage(HttpMethod.Post, SessionUrl(node, deviceId) + "/update")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.ApiToken);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }

    /// <summary>Every push the node knows of (GET /v1/updates), by device.</summary>
    public async Task<Dictionary<string, UpdateProgress>> UpdatesAsync(RelayRecord node, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{node.ApiUrl.TrimEnd('/')}/v1/updates");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.ApiToken);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var copy = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + n > MaxUpdatesBytes)
            {
                throw new HttpRequestException($"relay node {node.NodeId}: its list of updates is over {MaxUpdatesBytes} bytes");
            }
            copy.Write(buffer, 0, n);
        }
        copy.Position = 0;
        var list = await JsonSerializer.DeserializeAsync(copy, UpdateJsonContext.Default.ListUpdateProgress, ct).ConfigureAwait(false) ?? [];
        return list.ToDictionary(p => p.DeviceId, StringComparer.Ordinal);
    }

    /// <summary>A release's bytes as a request body, read from the database as they are sent.</summary>
    private sealed class ReleaseContent : HttpContent
    {
        private readonly AgentRelease _release;
        private readonly AgentReleaseStore _store;

        public ReleaseContent(AgentRelease release, AgentReleaseStore store)
        {
            _release = release;
            _store = store;
            Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            Headers.ContentLength = release.Size;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            _store.CopyToAsync(_release.Id, stream, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _store.CopyToAsync(_release.Id, stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = _release.Size;
            return true;
        }
    }
}
