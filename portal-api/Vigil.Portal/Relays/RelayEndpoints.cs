using System.Collections.Concurrent;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Devices;
using Vigil.Protocol.Link;
using Vigil.Protocol.Server;

namespace Vigil.Portal.Relays;

public sealed record RelayInput(string? NodeId, string? Endpoints, string? PublicKey, string? ApiUrl, string? ApiToken);
public sealed record RelayRegistered(RelayRecord Node, string PortalToken);

/// <summary>
/// Relay nodes: admins register them (the portal then holds the node's API token to send it
/// commands, and gives the node a token of its own to call the internal API with). The internal API,
/// under /internal/v1, is for nodes only: a device's hello, and batched presence.
/// </summary>
internal static class RelayEndpoints
{
    public const int MaxPresenceEvents = 10_000;

    public static void Map(IEndpointRouteBuilder api, IEndpointRouteBuilder root)
    {
        api.MapGet("/relays", async (HttpContext ctx, RelayStore relays) =>
        {
            Caller.Of(ctx).RequireStaff();
            var page = Paging.From(ctx, Paging.MaxLimit);
            return page.Answer(ctx, page.Slice(await relays.ListAsync()), PortalJsonContext.Default.IReadOnlyListRelayRecord);
        });
        api.MapPut("/relays/{nodeId}", async (HttpContext ctx, string nodeId, RelayStore relays, NodeAuth nodes) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.RelayInput);
            Check.Throw(Check.NameError("node_id", nodeId), Check.UrlError("api_url", body.ApiUrl, "http", "https"),
                Check.LengthError("endpoints", body.Endpoints, 2000), Check.LengthError("api_token", body.ApiToken, 500),
                body.PublicKey is { Length: > 0 } k && !DeviceIdentity.TryParseKey(k, out _) ? "public_key must be a base64 X25519 key" : null);
            var token = Secrets.NewToken("vr_");
            await relays.UpsertAsync(new RelayRecord
            {
                NodeId = nodeId,
                Endpoints = body.Endpoints ?? "",
                PublicKey = body.PublicKey ?? "",
                ApiUrl = body.ApiUrl ?? "",
                ApiToken = body.ApiToken ?? "",
                PortalTokenHash = Secrets.HashToken(token),
            });
            nodes.Invalidate();
            return Results.Json(new RelayRegistered((await relays.GetAsync(nodeId))!, token), PortalJsonContext.Default.RelayRegistered);
        });
        api.MapDelete("/relays/{nodeId}", async (HttpContext ctx, string nodeId, RelayStore relays, NodeAuth nodes) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var deleted = await relays.DeleteAsync(nodeId) > 0;
            nodes.Invalidate();
            return deleted ? Results.NoContent() : throw ApiException.NotFound("relay node");
        });

        api.MapGet("/metrics", (HttpContext ctx, EnrolmentMetrics metrics, NodeAuth nodes) =>
        {
            Caller.Of(ctx).RequireStaff();
            return Results.Text(metrics.Render(nodes.CachedCount), "text/plain; version=0.0.4");
        });

        var node = root.MapGroup("/internal/v1");
        node.MapPost("/hello", HelloAsync);
        node.MapPost("/presence", PresenceAsync);
        node.MapPost("/media-refused", MediaRefusedEndpoint.HandleAsync);
    }

    private static async Task<IResult> HelloAsync(HttpContext ctx, NodeAuth nodes, DeviceStore devices, DeviceAssignments life, EnrolmentPolicy enrolment)
    {
        var node = await nodes.RequireAsync(ctx).ConfigureAwait(false);
        var body = await JsonBody.ReadAsync(ctx, NodeJsonContext.Default.NodeHello).ConfigureAwait(false);
        if (!DeviceIdentity.TryParseKey(body.PublicKey, out var key))
        {
            throw ApiException.BadRequest("public_key must be the device's base64 X25519 key");
        }
        var id = DeviceIdentity.DeviceId(key);
        if (body.DeviceId != id)
        {
            throw ApiException.BadRequest("device_id does not belong to public_key");
        }
        Check.Throw(Check.LengthError("serial", body.Serial, 100), Check.LengthError("model", body.Model, 100), Check.LengthError("firmware", body.Firmware, 100),
            Check.LengthError("agent_version", body.AgentVersion, 100), Check.LengthError("address", body.Address, 100), Check.LengthError("source", body.Source, 100),
            Check.LengthError("enroll_token", body.EnrollToken, 256), Check.LengthError("rid", body.Rid, 64));
        // The public address, when the node says it, is what presence records too: the per-address cap counts by it.
        var address = body.Source is { Length: > 0 } source ? source : body.Address ?? "";
        if (await enrolment.RefusalAsync(id, node.NodeId, body.Source, body.EnrollToken).ConfigureAwait(false) is { } refusal)
        {
            PortalLog.EnrolmentRefused(ctx.RequestServices.GetRequiredService<ILogger<EnrolmentPolicy>>(), id, address, node.NodeId, refusal);
            return Results.Json(new NodeHelloAnswer(id, EnrolmentPolicy.Refused, null), NodeJsonContext.Default.NodeHelloAnswer);
        }
        var device = await devices.HelloAsync(new DeviceHello(id, body.PublicKey!, DeviceIdentity.Fingerprint(key), body.Serial ?? "", body.Model ?? "",
            body.Firmware ?? "", body.AgentVersion ?? "", address, node.NodeId, body.Rid ?? "")).ConfigureAwait(false);
        var assignment = await life.AssignmentAsync(device).ConfigureAwait(false);
        return Results.Json(new NodeHelloAnswer(id, device.State, assignment), NodeJsonContext.Default.NodeHelloAnswer);
    }

    private static async Task<IResult> PresenceAsync(HttpContext ctx, NodeAuth nodes, DeviceStore devices, RelayStore relays)
    {
        var node = await nodes.RequireAsync(ctx).ConfigureAwait(false);
        var body = await JsonBody.ReadAsync(ctx, NodeJsonContext.Default.NodePresence).ConfigureAwait(false);
        var events = body.Events ?? [];
        if (events.Count > MaxPresenceEvents)
        {
            throw ApiException.BadRequest($"at most {MaxPresenceEvents} events a batch");
        }
        var parsed = new List<PresenceEvent>(events.Count);
        foreach (var e in events)
        {
            if (e?.DeviceId is not { Length: > 0 and <= 64 } || e.Connected is null)
            {
                throw ApiException.BadRequest("every event needs device_id and connected");
            }
            parsed.Add(new PresenceEvent(e.DeviceId, e.Connected.Value, e.Address is { Length: <= 100 } a ? a : null));
        }
        await devices.PresenceAsync(node.NodeId, parsed, body.Snapshot == true).ConfigureAwait(false);
        await relays.HeartbeatAsync(node.NodeId, body.Sessions is >= 0 ? body.Sessions.Value : 0).ConfigureAwait(false);
        return Results.Json(new NodePresenceAnswer(parsed.Count), NodeJsonContext.Default.NodePresenceAnswer);
    }
}

/// <summary>Relay nodes authenticate to the internal API with the bearer token made at their registration.</summary>
public sealed class NodeAuth(RelayStore relays)
{
    private readonly ConcurrentDictionary<string, (RelayRecord? Node, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    public async Task<RelayRecord> RequireAsync(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer vr_", StringComparison.Ordinal) || header.Length > 200)
        {
            throw ApiException.Unauthorized();
        }
        var hash = Secrets.HashToken(header[7..]);
        var now = DateTimeOffset.UtcNow;
        if (!_cache.TryGetValue(hash, out var hit) || hit.Until <= now)
        {
            hit = (await relays.ByTokenHashAsync(hash).ConfigureAwait(false), now.AddSeconds(5));
            if (hit.Node is null)
            {
                // Only the tokens of registered nodes are remembered: anyone can send random ones, and
                // a cache of misses would grow with every one of them.
                _cache.TryRemove(hash, out _);
                throw ApiException.Unauthorized();
            }
            if (_cache.Count >= MaxCached)
            {
                _cache.Clear();
            }
            _cache[hash] = hit;
        }
        return hit.Node ?? throw ApiException.Unauthorized();
    }

    /// <summary>More than any deployment has nodes; a bound all the same (a token rotated often leaves old hashes).</summary>
    private const int MaxCached = 1024;

    /// <summary>How many node tokens are cached now (at most one per registered node's token).</summary>
    public int CachedCount => _cache.Count;

    public void Invalidate() => _cache.Clear();
}
