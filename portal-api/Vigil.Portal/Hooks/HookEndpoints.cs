using Vigil.Portal.Api;

namespace Vigil.Portal.Hooks;

/// <summary>
/// The streamers' authorization hooks, outside /api/v1: /hooks/flussonic/{streamer},
/// /hooks/nginx-rtmp/{streamer} and /hooks/mediamtx/{streamer}, each in the dialect of its streamer,
/// each authenticated by ?key= (the streamer's hook key). A wrong or missing key is refused before
/// any decision is looked at.
/// </summary>
internal static class HookEndpoints
{
    /// <summary>What a hook body may weigh: a streamer's request is a few hundred bytes.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public static void Map(IEndpointRouteBuilder app)
    {
        // Plain request delegates over singletons resolved once: the play hook is the portal's hottest
        // path, and it needs no parameter binding.
        var decisions = app.ServiceProvider.GetRequiredService<PlayAuthorizer>();
        var log = app.ServiceProvider.GetRequiredService<ILogger<PlayAuthorizer>>();
        var hooks = app.MapGroup("/hooks");
        void Add(string method, string dialect, Func<HookCall, Task> handler) =>
            hooks.MapMethods($"/{dialect}/{{streamer}}", [method], ctx => AuthenticatedAsync(ctx, decisions, log, handler));
        Add(HttpMethods.Get, FlussonicHook.Dialect, FlussonicHook.PlayAsync);
        Add(HttpMethods.Post, FlussonicHook.Dialect, FlussonicHook.PublishAsync);
        Add(HttpMethods.Post, NginxRtmpHook.Dialect, NginxRtmpHook.NotifyAsync);
        Add(HttpMethods.Get, NginxRtmpHook.Dialect, NginxRtmpHook.HttpPlayAsync);
        Add(HttpMethods.Post, MediaMtxHook.Dialect, MediaMtxHook.AuthAsync);
        // The archive of an nginx-rtmp node asks for its cameras' depths with the same key.
        hooks.MapGet($"/{NginxRtmpHook.Dialect}/{{streamer}}/archive-policy", ctx => AuthenticatedAsync(ctx, decisions, log, Streamers.ArchivePolicyEndpoint.GetAsync));
    }

    /// <summary>Runs the hook only for the streamer named in the URL, and only when ?key= is its hook key.</summary>
    private static async Task AuthenticatedAsync(HttpContext ctx, PlayAuthorizer decisions, ILogger log, Func<HookCall, Task> handler)
    {
        var name = ctx.Request.RouteValues["streamer"] as string ?? "";
        var key = HookQuery.Get(ctx.Request.QueryString.Value, "key");
        if (key.Length == 0)
        {
            await ErrorMiddleware.WriteAsync(ctx, StatusCodes.Status401Unauthorized, "the hook key is missing: call the URL given when the streamer was made (?key=)").ConfigureAwait(false);
            return;
        }
        var streamer = await decisions.StreamerAsync(name, key).ConfigureAwait(false);
        if (streamer is null)
        {
            await ErrorMiddleware.WriteAsync(ctx, StatusCodes.Status403Forbidden, "wrong hook key for this streamer").ConfigureAwait(false);
            return;
        }
        await handler(new HookCall(ctx, streamer, decisions, log)).ConfigureAwait(false);
    }

    public static string RequireName(string name, string streamer) =>
        name.Length > 0 ? name : throw ApiException.BadRequest($"name is required: the stream {streamer} asks about");

    /// <summary>The token field, or else the token=... of the query string the streamer passed on whole.</summary>
    public static string TokenOr(string? token, string? query) => string.IsNullOrEmpty(token) ? TokenInQuery(query) ?? "" : token;

    public static Task DenyAsync(HttpContext ctx, HookVerdict verdict, int status = StatusCodes.Status403Forbidden) =>
        ErrorMiddleware.WriteAsync(ctx, status, verdict.Reason);

    /// <summary>
    /// One line per decision, never the token. Allowed plays are the bulk of the traffic (a player asks
    /// again every few seconds) and go at Debug; every refusal and every publish at Information.
    /// </summary>
    public static void Log(ILogger log, string dialect, string action, string name, string? address, HookVerdict verdict)
    {
        if (verdict.Allowed && action != HookActions.Publish)
        {
            PortalLog.HookAllowed(log, dialect, action, name, address ?? "");
            return;
        }
        PortalLog.HookDecision(log, dialect, action, name, address ?? "", verdict.Allowed ? "allowed" : "denied", verdict.Reason);
    }

    /// <summary>The token=... of a query string, or of a URL's, that a streamer passes on whole (Flussonic's qs, MediaMTX's query, nginx-rtmp's tcurl).</summary>
    private static string? TokenInQuery(string? query)
    {
        var start = query?.IndexOf('?', StringComparison.Ordinal) ?? -1;
        var token = HookQuery.Get(start >= 0 ? query![start..] : query, "token");
        return token.Length > 0 ? token : null;
    }
}

/// <summary>One authenticated hook call: the request, the streamer whose key it carried, the decisions and the log.</summary>
internal readonly record struct HookCall(HttpContext Http, HookStreamer Streamer, PlayAuthorizer Decisions, ILogger Log);

/// <summary>The actions as they appear in the log.</summary>
internal static class HookActions
{
    public const string Play = "play";
    public const string Archive = "archive";
    public const string Publish = "publish";
    /// <summary>A streamer asking again about a session already running (nginx-rtmp's update_publish and update_play).</summary>
    public const string Update = "update";
}
