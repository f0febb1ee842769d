using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Vigil.Protocol.Link;
using Vigil.Protocol.Server;
using Vigil.Protocol.Tunnels;
using Vigil.Relay.Agents;

namespace Vigil.Relay.Api;

/// <summary>
/// The node API for the portal and for ops. Everything but /healthz needs the node's bearer token;
/// /v1/tunnel needs a tunnel token instead (signed by a key the node trusts, scoped to one device
/// and port, short-lived).
/// </summary>
public static class NodeApi
{
    private const int MaxBodyBytes = 64 * 1024;

    public static void MapNodeApi(this WebApplication app, RelayNode node, string apiToken)
    {
        var expected = Encoding.UTF8.GetBytes(apiToken);
        app.Use(async (ctx, next) =>
        {
            var path = ctx.Request.Path;
            if (path == "/healthz" || path.StartsWithSegments("/v1/tunnel", StringComparison.Ordinal))
            {
                await next(ctx).ConfigureAwait(false);
                return;
            }
            if (!BearerMatches(ctx.Request, expected))
            {
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
                await ctx.Response.WriteAsJsonAsync(new ErrorResponse("a valid bearer token is required"), RelayJsonContext.Default.ErrorResponse).ConfigureAwait(false);
                return;
            }
            var body = ctx.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (body is { IsReadOnly: false })
            {
                body.MaxRequestBodySize = MaxBodyBytes;
            }
            await next(ctx).ConfigureAwait(false);
        });

        app.MapGet("/healthz", () => node.Drain is null
            ? Results.Text("ok\n")
            : Results.Text("draining\n", statusCode: StatusCodes.Status503ServiceUnavailable));

        app.MapGet("/metrics", () => Results.Text(node.Metrics.Render(node.Registry.Count, node.Drain is not null), "text/plain; version=0.0.4"));

        app.MapGet("/v1/sessions", () => Results.Json(node.Registry.All.Select(Describe).OrderBy(s => s.DeviceId, StringComparer.Ordinal).ToList(), RelayJsonContext.Default.ListSessionInfo));

        app.MapGet("/v1/sessions/{deviceId}", (string deviceId) => node.Registry.Find(deviceId) is { } s
            ? Results.Json(Describe(s), RelayJsonContext.Default.SessionInfo)
            : NotFound(deviceId));

        app.MapDelete("/v1/sessions/{deviceId}", (string deviceId) =>
        {
            if (node.Registry.Find(deviceId) is not { } s)
            {
                return NotFound(deviceId);
            }
            s.Close("disconnected_by_api");
            return Results.NoContent();
        });

        app.MapPost("/v1/sessions/{deviceId}/commands", async (string deviceId, HttpRequest request, CancellationToken ct) =>
        {
            var command = await ReadJsonAsync(request, NodeJsonContext.Default.NodeCommand, ct).ConfigureAwait(false);
            if (command?.Name is not { Length: > 0 and <= 64 } name)
            {
                return Error(StatusCodes.Status400BadRequest, "a command needs a name of 1 to 64 characters");
            }
            if (node.Registry.Find(deviceId) is not { } session)
            {
                return NotFound(deviceId);
            }
            var args = command.Args is { } a ? Encoding.UTF8.GetBytes(a.GetRawText()) : null;
            var timeout = TimeSpan.FromMilliseconds(Math.Clamp(command.TimeoutMs ?? (int)(node.Options.CommandTimeoutSeconds * 1000), 1, 60_000));
            try
            {
                var (result, rtt) = await session.SendCommandAsync(name, args, timeout, ct).ConfigureAwait(false);
                JsonElement? value = result.Body is null ? null : JsonDocument.Parse(result.Body).RootElement.Clone();
                return Results.Json(new NodeCommandAnswer(result.Ok, result.Error, value, rtt.TotalMilliseconds), NodeJsonContext.Default.NodeCommandAnswer);
            }
            catch (TimeoutException)
            {
                return Error(StatusCodes.Status504GatewayTimeout, "the agent did not answer in time");
            }
            catch (LinkClosedException)
            {
                return Error(StatusCodes.Status502BadGateway, "the agent's link closed");
            }
            catch (ArgumentException e)
            {
                return Error(StatusCodes.Status400BadRequest, e.Message);
            }
        });

        app.MapPost("/v1/drain", async (HttpRequest request, CancellationToken ct) =>
        {
            var drain = await ReadJsonAsync(request, RelayJsonContext.Default.DrainRequest, ct).ConfigureAwait(false) ?? new DrainRequest(null, null, null);
            var retry = Math.Clamp(drain.RetryAfter ?? 300, 1, 86_400);
            var spread = TimeSpan.FromSeconds(Math.Clamp(drain.SpreadSeconds ?? 10, 0, 600));
            var count = node.StartDrain(retry, drain.Nodes ?? [], spread);
            return Results.Json(new DrainResponse(count, retry), RelayJsonContext.Default.DrainResponse, statusCode: StatusCodes.Status202Accepted);
        });

        app.MapGet("/v1/tunnel/{deviceId}/{port:int}", (HttpContext ctx, string deviceId, int port) => TunnelEndpoint.HandleAsync(ctx, node, deviceId, port));
    }

    private static SessionInfo Describe(RelaySession s) => new(
        s.DeviceId,
        DeviceIdentity.Fingerprint(s.PublicKey),
        s.SessionId,
        s.Hello?.Serial,
        s.Hello?.Model,
        s.Hello?.Firmware,
        s.Hello?.AgentVersion,
        s.Hello?.LocalAddress,
        s.RemoteAddress,
        s.ConnectedAt,
        Environment.TickCount64 - s.LastReceivedTicks,
        s.LastRoundTripMs,
        s.StreamCount,
        s.BytesReceived,
        s.BytesSent,
        s.Hello?.TunnelPorts ?? [],
        s.MediaStats is { } stats ? ParseStats(stats) : null,
        s.MediaStatsAt);

    /// <summary>The agent's stats as an element that outlives its document (which goes back to the pool).</summary>
    private static JsonElement? ParseStats(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<T?> ReadJsonAsync<T>(HttpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Body.CanRead))
        {
            return default;
        }
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, ct).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"invalid JSON: {e.Message}");
        }
    }

    internal static bool BearerMatches(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return false;
        }
        var given = Encoding.UTF8.GetBytes(header[7..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static IResult NotFound(string deviceId) => Error(StatusCodes.Status404NotFound, $"no agent {deviceId} on this node");

    internal static IResult Error(int status, string message) => Results.Json(new ErrorResponse(message), RelayJsonContext.Default.ErrorResponse, statusCode: status);
}
