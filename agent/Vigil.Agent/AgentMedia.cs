using Vigil.Agent.Media;
using Vigil.Protocol.Control;

namespace Vigil.Agent;

/// <summary>
/// The agent's media path as the rest of the agent sees it: at most one assignment at a time,
/// started from the config or by the relay's "assign" command and stopped by "unassign"; its stats
/// go into the status file and, while a relay link is up, over it as "stats" messages.
/// </summary>
internal sealed class AgentMedia(AgentContext context)
{
    private readonly object _gate = new();
    private MediaPipeline? _pipeline;
    private Timer? _timer;
    private AgentSession? _refusalTold;

    /// <summary>
    /// Starts streaming this assignment, in place of any other. The same assignment again (sent with
    /// every new relay session, after a relay failover say) leaves the running stream alone, so that
    /// moving the control link does not interrupt the video.
    /// </summary>
    public void Assign(MediaAssignment assignment)
    {
        lock (_gate)
        {
            if (_pipeline is not null && _pipeline.Stats.Assignment.SameAs(assignment))
            {
                return;
            }
            _pipeline?.Stop();
            // Reported from the pool: the publishing thread must not wait on this lock, which Stop holds while it joins that thread.
            _pipeline = new MediaPipeline(assignment) { Refused = () => ThreadPool.QueueUserWorkItem(_ => Report()) };
            _refusalTold = null;
            _pipeline.Start();
            var interval = context.Config.StatsInterval;
            _timer ??= new Timer(_ => Report(), null, interval, interval);
        }
        Report();
    }

    /// <summary>Stops streaming; false when nothing was assigned.</summary>
    public bool Unassign()
    {
        lock (_gate)
        {
            if (_pipeline is null)
            {
                return false;
            }
            _pipeline.Stop();
            _pipeline = null;
            _timer?.Dispose();
            _timer = null;
        }
        context.Status.SetMedia(null, null);
        return true;
    }

    /// <summary>Takes the rates and reports them: status file, and the relay when connected.</summary>
    private void Report()
    {
        MediaStats stats;
        lock (_gate)
        {
            if (_pipeline is null)
            {
                return;
            }
            stats = _pipeline.Stats;
        }
        stats.Sample();
        var json = stats.ToJson();
        context.Status.SetMedia(stats.ToText(), json);
        var session = context.Session;
        session?.SendStats(json);
        if (stats.Refusal is { } refusal && session is not null && !ReferenceEquals(session, _refusalTold))
        {
            // Once per session: a portal that missed it (the link was down) hears it on the next one.
            session.SendMediaRefused(refusal.Codec, refusal.Reason);
            _refusalTold = session;
        }
    }

    /// <summary>
    /// The "assign" command's args (<see cref="AssignCommand"/>). An empty or
    /// absent source is the camera of the agent's own config (its camera_url, written when the camera
    /// was flashed), for a camera whose record in the service has no address, as one just claimed.
    /// </summary>
    public static MediaAssignment? Parse(byte[]? args, string? ownCamera, out string error)
    {
        if (AssignCommand.Parse(args ?? [], out error) is not { } command)
        {
            return null;
        }
        var source = command.Source;
        if (string.IsNullOrEmpty(source))
        {
            if (string.IsNullOrEmpty(ownCamera))
            {
                error = "the assignment names no source and the config has no camera_url (camera_url = rtsp://...)";
                return null;
            }
            source = ownCamera;
        }
        return MediaAssignment.Create(command.Name, source, command.Target, command.Token, out error);
    }
}
