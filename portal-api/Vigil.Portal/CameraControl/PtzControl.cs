using System.Collections.Concurrent;
using System.Globalization;
using Nito.AsyncEx;
using Vigil.Onvif.Client;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.CameraControl;

/// <summary>
/// PTZ on cameras through their agents. A move lasts while it is renewed: the page repeats it
/// every second while a button is held, and when no renewal comes within <see cref="HoldFor"/>
/// the portal sends Stop itself; the ContinuousMove also carries a Timeout for the firmwares that
/// honour it. Never a camera left turning because a release was lost. Commands are rate-limited
/// per camera and serialized per camera (a Stop never overtakes its move); every action but a
/// renewal is written to the audit log.
/// </summary>
public sealed class PtzControl(CameraOnvif onvif, PtzAuditStore audit, ILogger<PtzControl> log) : BackgroundService
{
    /// <summary>A move not renewed within this is stopped by the portal.</summary>
    public static readonly TimeSpan HoldFor = TimeSpan.FromSeconds(3);

    /// <summary>The ONVIF Timeout a move carries, a little past <see cref="HoldFor"/> so that the portal's Stop comes first.</summary>
    public static readonly TimeSpan CameraTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Commands a camera takes in a burst, and per second after it.</summary>
    public const int Burst = 10;
    public const double PerSecond = 5;

    private const int StopAttempts = 10;
    private readonly ConcurrentDictionary<long, HeadState> _heads = new();

    public async Task MoveAsync(Camera camera, Caller caller, PtzVector velocity, CancellationToken ct)
    {
        Check.Throw(Range("pan", velocity.Pan), Range("tilt", velocity.Tilt), Range("zoom", velocity.Zoom));
        if (velocity == default)
        {
            throw ApiException.BadRequest("a move needs a non-zero pan, tilt or zoom speed (to stop, POST .../ptz/stop)");
        }
        var head = Take(camera);
        using (await head.Gate.LockAsync(ct).ConfigureAwait(false))
        {
            await onvif.RunAsync(camera, (l, t) => l.Client.ContinuousMoveAsync(PtzService(camera, l), l.Profile, velocity, CameraTimeout, t), ct).ConfigureAwait(false);
            var renewal = head.Moving == velocity;
            head.Camera = camera;
            head.Moving = velocity;
            head.StopFailures = 0;
            head.DeadlineTicks = Environment.TickCount64 + (long)HoldFor.TotalMilliseconds;
            if (!renewal)
            {
                await AuditAsync(camera, caller, "move", Describe(velocity)).ConfigureAwait(false);
            }
        }
    }

    public async Task StopAsync(Camera camera, Caller caller, CancellationToken ct)
    {
        var head = Take(camera);
        using (await head.Gate.LockAsync(ct).ConfigureAwait(false))
        {
            await onvif.RunAsync(camera, (l, t) => l.Client.StopAsync(PtzService(camera, l), l.Profile, t), ct).ConfigureAwait(false);
            head.Moving = null;
            await AuditAsync(camera, caller, "stop", "").ConfigureAwait(false);
        }
    }

    public Task ZoomAsync(Camera camera, Caller caller, double step, CancellationToken ct)
    {
        Check.Throw(Range("step", step));
        if (step == 0)
        {
            throw ApiException.BadRequest("step must not be 0");
        }
        return OneShotAsync(camera, caller, "zoom", Describe(step), (l, t) => l.Client.RelativeZoomAsync(PtzService(camera, l), l.Profile, step, t), ct);
    }

    public Task HomeAsync(Camera camera, Caller caller, CancellationToken ct) =>
        OneShotAsync(camera, caller, "home", "", (l, t) => l.Client.GotoHomePositionAsync(PtzService(camera, l), l.Profile, t), ct);

    public Task<List<PtzPreset>> PresetsAsync(Camera camera, CancellationToken ct)
    {
        Take(camera);
        return ListPresetsAsync(camera, ct);
    }

    /// <summary>Where the camera points now (GetStatus); a question, not a command: not rate-limited.</summary>
    public Task<PtzVector?> StatusAsync(Camera camera, CancellationToken ct) =>
        onvif.RunAsync(camera, (l, t) => l.Client.GetPtzStatusAsync(PtzService(camera, l), l.Profile, t), ct);

    private Task<List<PtzPreset>> ListPresetsAsync(Camera camera, CancellationToken ct) =>
        onvif.RunAsync(camera, (l, t) => l.Client.GetPresetsAsync(PtzService(camera, l), l.Profile, t), ct);

    public async Task GotoPresetAsync(Camera camera, Caller caller, string token, CancellationToken ct)
    {
        var preset = await KnownPresetAsync(camera, token, ct).ConfigureAwait(false);
        await OneShotAsync(camera, caller, "goto_preset", $"{preset.Token} {preset.Name}", (l, t) => l.Client.GotoPresetAsync(PtzService(camera, l), l.Profile, preset.Token, t), ct)
            .ConfigureAwait(false);
    }

    /// <summary>Saves where the camera points as a new preset, or over an existing one when <paramref name="token"/> is given.</summary>
    public async Task<PtzPreset> SetPresetAsync(Camera camera, Caller caller, string name, string? token, CancellationToken ct)
    {
        Check.Throw(PresetNameError(name));
        if (token is not null)
        {
            await KnownPresetAsync(camera, token, ct).ConfigureAwait(false);
        }
        var made = "";
        await OneShotAsync(camera, caller, "set_preset", token is null ? name : $"{token} {name}", async (l, t) =>
            made = await l.Client.SetPresetAsync(PtzService(camera, l), l.Profile, name, token, t).ConfigureAwait(false), ct).ConfigureAwait(false);
        return new PtzPreset(made, name, null);
    }

    public async Task RemovePresetAsync(Camera camera, Caller caller, string token, CancellationToken ct)
    {
        var preset = await KnownPresetAsync(camera, token, ct).ConfigureAwait(false);
        await OneShotAsync(camera, caller, "remove_preset", $"{preset.Token} {preset.Name}", (l, t) => l.Client.RemovePresetAsync(PtzService(camera, l), l.Profile, preset.Token, t), ct)
            .ConfigureAwait(false);
    }

    /// <summary>Stops every move whose renewal is overdue, and closes idle camera links.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var now = Environment.TickCount64;
            foreach (var head in _heads.Values)
            {
                if (head.Moving is not null && head.DeadlineTicks <= now && head.Camera is { } camera)
                {
                    await StopOverdueAsync(head, camera, stoppingToken).ConfigureAwait(false);
                }
            }
            onvif.CloseIdle();
        }
    }

    private async Task StopOverdueAsync(HeadState head, Camera camera, CancellationToken ct)
    {
        using var held = TryTake(head.Gate);
        if (held is null)
        {
            return;
        }
        try
        {
            if (head.Moving is null || head.DeadlineTicks > Environment.TickCount64)
            {
                return;
            }
            try
            {
                await onvif.RunAsync(camera, (l, t) => l.Client.StopAsync(PtzService(camera, l), l.Profile, t), ct).ConfigureAwait(false);
                head.Moving = null;
                PortalLog.PtzStoppedByTimeout(log, camera.Name, HoldFor.TotalSeconds);
                await audit.AddAsync(camera.Id, null, "portal", "stop", $"no renewal within {HoldFor.TotalSeconds:0} s").ConfigureAwait(false);
            }
            catch (ApiException e)
            {
                // Tried again each second: the camera's own Timeout is the last safety.
                head.DeadlineTicks = Environment.TickCount64 + 1000;
                if (++head.StopFailures >= StopAttempts)
                {
                    head.Moving = null;
                }
                PortalLog.PtzStopFailed(log, camera.Name, head.StopFailures, e.Message);
            }
        }
        catch (System.Data.Common.DbException)
        {
            PortalLog.PtzStopFailed(log, camera.Name, head.StopFailures, "the audit log is unavailable");
        }
    }

    /// <summary>The head's lock if nobody holds it, else null: a move or stop under way decides for itself.</summary>
    private static IDisposable? TryTake(AsyncLock gate)
    {
        try
        {
            // AsyncLock takes a free lock even for a cancelled token, and waits for no held one.
            return gate.Lock(new CancellationToken(canceled: true));
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task OneShotAsync(Camera camera, Caller caller, string action, string detail, Func<CameraLink, CancellationToken, Task> run, CancellationToken ct)
    {
        var head = Take(camera);
        using (await head.Gate.LockAsync(ct).ConfigureAwait(false))
        {
            await onvif.RunAsync(camera, run, ct).ConfigureAwait(false);
            // A preset or home ends a continuous move on the camera; the watchdog has nothing left to stop.
            head.Moving = null;
            await AuditAsync(camera, caller, action, detail).ConfigureAwait(false);
        }
    }

    private async Task<PtzPreset> KnownPresetAsync(Camera camera, string token, CancellationToken ct)
    {
        if (token.Length is 0 or > 64)
        {
            throw ApiException.BadRequest("a preset token is 1 to 64 characters");
        }
        // Part of the command it checks: not counted against the rate limit on its own.
        var presets = await ListPresetsAsync(camera, ct).ConfigureAwait(false);
        return presets.FirstOrDefault(p => p.Token == token)
            ?? throw ApiException.BadRequest($"camera '{camera.Name}' has no preset '{token}' (GET .../ptz/presets lists them)");
    }

    /// <summary>The camera's head, after taking one command from its rate limit (429 when spent).</summary>
    private HeadState Take(Camera camera)
    {
        var head = _heads.GetOrAdd(camera.Id, _ => new HeadState());
        lock (head)
        {
            var now = Environment.TickCount64;
            head.Tokens = Math.Min(Burst, head.Tokens + ((now - head.RefilledTicks) / 1000.0 * PerSecond));
            head.RefilledTicks = now;
            if (head.Tokens < 1)
            {
                throw new ApiException(StatusCodes.Status429TooManyRequests, $"too many PTZ commands for camera '{camera.Name}': at most {PerSecond:0} a second");
            }
            head.Tokens--;
        }
        return head;
    }

    private static Uri PtzService(Camera camera, CameraLink link) =>
        link.Service(OnvifClient.PtzNamespace) ?? throw ApiException.Conflict($"camera '{camera.Name}' has no PTZ service");

    private Task AuditAsync(Camera camera, Caller caller, string action, string detail)
    {
        PortalLog.PtzAction(log, camera.Name, caller.User?.Login ?? "", action, detail);
        return audit.AddAsync(camera.Id, caller.User?.Id, caller.User?.Login ?? "", action, detail);
    }

    private static string? Range(string field, double value) =>
        double.IsFinite(value) && value is >= -1 and <= 1 ? null : $"{field} must be between -1 and 1";

    private static string? PresetNameError(string name) =>
        name.Length is 0 or > 64 || name.Any(char.IsControl) || name.Any(c => c is '<' or '>' or '&')
            ? "a preset name is 1 to 64 characters, without control characters or < > &"
            : null;

    private static string Describe(PtzVector v) => $"pan={Describe(v.Pan)} tilt={Describe(v.Tilt)} zoom={Describe(v.Zoom)}";

    private static string Describe(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);

    private sealed class HeadState
    {
        public AsyncLock Gate { get; } = new();
        public Camera? Camera { get; set; }
        public PtzVector? Moving { get; set; }
        public long DeadlineTicks { get; set; }
        public int StopFailures { get; set; }
        public double Tokens { get; set; } = Burst;
        public long RefilledTicks { get; set; } = Environment.TickCount64;
    }
}
