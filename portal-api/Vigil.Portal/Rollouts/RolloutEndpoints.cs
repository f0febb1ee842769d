using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.Rollouts;

/// <summary>
/// Rollouts of a release to devices in waves (operators and admins): create, list, get with each
/// wave's counts and each device's state and reason, pause, resume, cancel. The driver
/// (<see cref="RolloutDriver"/>) does the rest and halts a rollout whose wave fails.
/// </summary>
internal static class RolloutEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/rollouts", async (HttpContext ctx, RolloutStore rollouts) =>
        {
            Caller.Of(ctx).RequireStaff();
            var page = Paging.From(ctx);
            return page.Answer(ctx, await rollouts.ListAsync(page.Fetch, page.Offset), PortalJsonContext.Default.IReadOnlyListRollout);
        });
        api.MapGet("/rollouts/{id:long}", async (HttpContext ctx, long id, RolloutStore rollouts) =>
        {
            Caller.Of(ctx).RequireStaff();
            return Results.Json(await ViewAsync(rollouts, id), PortalJsonContext.Default.RolloutView);
        });
        api.MapPost("/rollouts", async (HttpContext ctx, AgentReleaseStore releases, RolloutPlan plan, RolloutStore rollouts, ILogger<RolloutDriver> log) =>
        {
            var caller = Caller.Of(ctx).RequireStaff();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.RolloutInput);
            var release = (body.ReleaseId is { } releaseId ? await releases.GetAsync(releaseId) : null)
                ?? throw ApiException.BadRequest("release_id must name a stored release");
            var (rollout, devices) = await plan.PlanAsync(body, release, caller.User!.Login);
            var id = await rollouts.CreateAsync(rollout, devices);
            PortalLog.RolloutCreated(log, id, release.Version, rollout.Target, devices.Count(d => d.Wave >= 0), devices.Max(d => d.Wave) + 1, caller.User.Login);
            return Results.Json(await ViewAsync(rollouts, id), PortalJsonContext.Default.RolloutView, statusCode: StatusCodes.Status201Created);
        });
        api.MapPost("/rollouts/{id:long}/pause", (HttpContext ctx, long id, RolloutStore rollouts, ILogger<RolloutDriver> log) =>
            ChangeAsync(ctx, id, rollouts, log, "paused", RolloutStates.Paused, RolloutStates.Running));
        api.MapPost("/rollouts/{id:long}/resume", (HttpContext ctx, long id, RolloutStore rollouts, ILogger<RolloutDriver> log) =>
            ChangeAsync(ctx, id, rollouts, log, "resumed", RolloutStates.Running, RolloutStates.Paused));
        api.MapPost("/rollouts/{id:long}/cancel", async (HttpContext ctx, long id, RolloutStore rollouts, ILogger<RolloutDriver> log) =>
        {
            await ChangeAsync(ctx, id, rollouts, log, "cancelled", RolloutStates.Cancelled, RolloutStates.Running, RolloutStates.Paused, RolloutStates.Halted);
            await rollouts.SkipWaitingAsync(id, "the rollout was cancelled");
            return Results.Json(await ViewAsync(rollouts, id), PortalJsonContext.Default.RolloutView);
        });
    }

    private static async Task<IResult> ChangeAsync(HttpContext ctx, long id, RolloutStore rollouts, ILogger log, string action, string state, params string[] from)
    {
        var caller = Caller.Of(ctx).RequireStaff();
        var rollout = await rollouts.GetAsync(id) ?? throw ApiException.NotFound("rollout");
        if (!await rollouts.SetStateAsync(id, state, state == RolloutStates.Cancelled ? $"cancelled by {caller.User!.Login}" : rollout.Reason, from))
        {
            throw ApiException.Conflict($"the rollout is {rollout.State}: it cannot be {action}");
        }
        PortalLog.RolloutChanged(log, id, action, caller.User!.Login);
        return Results.Json(await ViewAsync(rollouts, id), PortalJsonContext.Default.RolloutView);
    }

    private static async Task<RolloutView> ViewAsync(RolloutStore rollouts, long id)
    {
        var rollout = await rollouts.GetAsync(id) ?? throw ApiException.NotFound("rollout");
        var devices = await rollouts.DevicesAsync(id);
        var waves = devices.Where(d => d.Wave >= 0).GroupBy(d => d.Wave).OrderBy(g => g.Key).Select(g => new RolloutWave(g.Key + 1, g.Count(),
            g.Count(d => d.State == RolloutDeviceStates.Waiting),
            g.Count(d => d.State is RolloutDeviceStates.Sending or RolloutDeviceStates.Applied),
            g.Count(d => d.State == RolloutDeviceStates.Updated),
            g.Count(d => d.State == RolloutDeviceStates.Failed),
            g.Count(d => d.State == RolloutDeviceStates.Skipped))).ToList();
        return new RolloutView(rollout, waves, devices);
    }
}
