using System.Globalization;
using System.Net;
using System.Text;

namespace Vigil.Stack;

/// <summary>One relay line of the agent's config: host:port, and the key pinned on that line (null: relay_key's).</summary>
public sealed record AgentRelayLine(string EndPoint, string? Key = null);

/// <summary>
/// vigil-agent's configuration file (/etc/vigil/agent.conf on a camera) as the stack, the tests and
/// the benchmarks write it: one property per key the agent reads (agent/Vigil.Agent/AgentConfig.cs,
/// crosscompile/package/agent.conf.sample), unset ones left out so that the agent's defaults apply.
/// Written mode 0600, as install.sh leaves it (it may hold an enrolment token or a camera's password).
/// </summary>
public sealed class AgentConfigFile
{
    public const string FileName = "agent.conf";

    /// <summary>A leading comment line, for a reader of the file.</summary>
    public string? Comment { get; set; }
    /// <summary>The relays to dial, in order of preference.</summary>
    public List<AgentRelayLine> Relays { get; } = [];
    /// <summary>relay_key: the key pinned for relays whose line names none (and for relays a goaway hints at).</summary>
    public string? RelayKey { get; set; }
    public required string StateDir { get; set; }
    public string? Serial { get; set; }
    public string? Model { get; set; }
    public string? Firmware { get; set; }
    public string? Camera { get; set; }
    public string? CameraUrl { get; set; }
    public string? EnrollToken { get; set; }
    public string? ReleaseKey { get; set; }
    public string? Proxy { get; set; }
    public List<int> TunnelPorts { get; } = [];
    public TimeSpan? HeartbeatInterval { get; set; }
    public TimeSpan? HeartbeatTimeout { get; set; }
    public TimeSpan? BackoffMin { get; set; }
    public TimeSpan? BackoffMax { get; set; }
    public TimeSpan? StableAfter { get; set; }
    public TimeSpan? ConnectTimeout { get; set; }
    public TimeSpan? UpdateTrial { get; set; }
    public bool Verbose { get; set; }
    public string? Source { get; set; }
    public string? Publish { get; set; }
    public string? PublishToken { get; set; }
    public string? PublishName { get; set; }
    public TimeSpan? StatsInterval { get; set; }

    /// <summary>A config for one relay process, its key as relay_key.</summary>
    public static AgentConfigFile For(RelayProcess relay, string stateDir)
    {
        var config = new AgentConfigFile { StateDir = stateDir, RelayKey = Convert.ToBase64String(relay.PublicKey) };
        config.Relays.Add(new AgentRelayLine(relay.AgentEndPoint.ToString()));
        return config;
    }

    /// <summary>Adds a relay process, its key pinned on its own line.</summary>
    public AgentConfigFile AddRelay(RelayProcess relay)
    {
        Relays.Add(new AgentRelayLine(relay.AgentEndPoint.ToString(), Convert.ToBase64String(relay.PublicKey)));
        return this;
    }

    /// <summary>Adds a relay address whose key is relay_key's.</summary>
    public AgentConfigFile AddRelay(EndPoint endPoint)
    {
        Relays.Add(new AgentRelayLine(endPoint.ToString()!));
        return this;
    }

    /// <summary>The file's text, in the sample's order.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        void Line(string key, string? value)
        {
            if (value is not null)
            {
                text.Append(key).Append(" = ").Append(value).Append('\n');
            }
        }
        void Time(string key, TimeSpan? value) => Line(key, value?.TotalSeconds.ToString("0.#######", CultureInfo.InvariantCulture));

        if (Comment is not null)
        {
            text.Append("# ").Append(Comment).Append('\n');
        }
        foreach (var relay in Relays)
        {
            Line("relay", relay.Key is null ? relay.EndPoint : $"{relay.EndPoint} {relay.Key}");
        }
        Line("relay_key", RelayKey);
        Line("state_dir", StateDir);
        Line("serial", Serial);
        Line("model", Model);
        Line("firmware", Firmware);
        Line("camera", Camera);
        Line("camera_url", CameraUrl);
        Line("enroll_token", EnrollToken);
        Line("release_key", ReleaseKey);
        Line("proxy", Proxy);
        Line("tunnel_ports", TunnelPorts.Count == 0 ? null : string.Join(',', TunnelPorts));
        Line("source", Source);
        Line("publish", Publish);
        Line("publish_name", PublishName);
        Line("publish_token", PublishToken);
        Time("stats_interval", StatsInterval);
        Time("heartbeat_interval", HeartbeatInterval);
        Time("heartbeat_timeout", HeartbeatTimeout);
        Time("backoff_min", BackoffMin);
        Time("backoff_max", BackoffMax);
        Time("stable_after", StableAfter);
        Time("connect_timeout", ConnectTimeout);
        Time("update_trial", UpdateTrial);
        Line("verbose", Verbose ? "1" : null);
        return text.ToString();
    }

    /// <summary>
    /// Writes the file (its folder made if missing), readable by its owner only unless
    /// <paramref name="mode"/> says otherwise (an agent run as another user); returns the path.
    /// </summary>
    public string Write(string path, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Made with its mode rather than chmod'ed after, so that no other user can open it in between;
        // chmod'ed too, as the process's umask may have taken bits the caller asked for.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }
        using (var file = new FileStream(path, options))
        {
            file.Write(Encoding.UTF8.GetBytes(ToString()));
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
        return path;
    }
}
