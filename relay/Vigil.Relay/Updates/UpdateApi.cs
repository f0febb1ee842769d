using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Vigil.Protocol.Releases;
using Vigil.Relay.Api;

namespace Vigil.Relay.Updates;

/// <summary>
/// The node API of agent updates (behind the node's bearer token, as the rest of it):
/// PUT /v1/releases/{name} stores a signed release; POST /v1/sessions/{device}/update pushes one
/// to a connected agent; GET /v1/sessions/{device}/update and GET /v1/updates say how it goes.
/// </summary>
public static class UpdateApi
{
    public static void MapUpdateApi(this WebApplication app, RelayNode node)
    {
        var store = new ReleaseStore(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(node.Options.KeyFile))!, "releases"));
        var pusher = new UpdatePusher(node, store);

        app.MapPut("/v1/releases/{name}", async (string name, HttpContext ctx, CancellationToken ct) =>
        {
            if (!ReleaseStore.ValidName(name))
            {
                return NodeApi.Error(StatusCodes.Status400BadRequest, "a release name is letters, digits, '.', '_' and '-', ending in .release");
            }
            // A release is larger than the node API's usual body cap; the store caps it itself.
            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = ReleaseStore.MaxFile;
            }
            try
            {
                var release = await store.SaveAsync(name, ctx.Request.Body, ct).ConfigureAwait(false);
                return Results.Json(release, UpdateJsonContext.Default.StoredRelease, statusCode: StatusCodes.Status201Created);
            }
            catch (ReleaseRejectedException e)
            {
                return NodeApi.Error(StatusCodes.Status400BadRequest, $"{e.Reason}: {e.Message}");
            }
        });

        app.MapPost("/v1/sessions/{deviceId}/update", async (string deviceId, HttpRequest request, CancellationToken ct) =>
        {
            UpdateRequest? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync(request.Body, UpdateJsonContext.Default.UpdateRequest, ct).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                return NodeApi.Error(StatusCodes.Status400BadRequest, $"invalid JSON: {e.Message}");
            }
            if (body?.Release is not { } name || !ReleaseStore.ValidName(name) || !File.Exists(store.PathOf(name)))
            {
                return NodeApi.Error(StatusCodes.Status400BadRequest, "name a release stored on this node (PUT /v1/releases/{name})");
            }
            if (node.Registry.Find(deviceId) is not { } session)
            {
                return NodeApi.Error(StatusCodes.Status404NotFound, $"no agent {deviceId} on this node");
            }
            StoredRelease release;
            try
            {
                release = store.Describe(name);
            }
            catch (ReleaseRejectedException e)
            {
                return NodeApi.Error(StatusCodes.Status400BadRequest, $"{e.Reason}: {e.Message}");
            }
            return pusher.TryStart(session, release, body.Force ?? false)
                ? Results.Json(pusher.Progress(deviceId)!, UpdateJsonContext.Default.UpdateProgress, statusCode: StatusCodes.Status202Accepted)
                : NodeApi.Error(StatusCodes.Status409Conflict, "an update of this agent is under way");
        });

        app.MapGet("/v1/sessions/{deviceId}/update", (string deviceId) => pusher.Progress(deviceId) is { } progress
            ? Results.Json(progress, UpdateJsonContext.Default.UpdateProgress)
            : NodeApi.Error(StatusCodes.Status404NotFound, $"no update of {deviceId} on this node"));

        app.MapGet("/v1/updates", () => Results.Json(pusher.All.ToList(), UpdateJsonContext.Default.ListUpdateProgress));
    }
}
