using System.Globalization;
using Vigil.Agent.Media;
using Vigil.Protocol.Link;

namespace Vigil.Agent;

/// <summary>One relay the agent may dial: where, and the static key to pin there.</summary>
internal sealed record RelayEndpoint(string Host, int Port, byte[] PublicKey)
{
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public static bool TryParse(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        text = text.Trim();
        int colon;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                return false;
            }
            host = text[1..close];
            colon = close + 1;
        }
        else
        {
            colon = text.LastIndexOf(':');
            if (colon <= 0)
            {
                return false;
            }
            host = text[..colon];
        }
        return int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
    }
}

/// <summary>
/// The agent's config file: "key = value" lines, '#' comments, a key repeated for lists. A plain
/// format so that install scripts can write it with echo and installers can read it on a camera.
/// </summary>
internal sealed class AgentConfig
{
    public const string DefaultPath = "/etc/vigil/agent.conf";

    public List<RelayEndpoint> Relays { get; } = [];
    public string StateDir { get; set; } = "/var/lib/vigil-agent";
    public string? Serial { get; set; }
    public string? Model { get; set; }
    public string? Firmware { get; set; }
    public string? Camera { get; set; }
    /// <summary>The camera's own stream as the agent reaches it: what it pulls when the service assigns no source.</summary>
    public string? CameraUrl { get; set; }
    public string? EnrollToken { get; set; }
    /// <summary>The Ed25519 public key that signs agent releases: the only releases this agent installs.</summary>
    public byte[]? ReleaseKey { get; set; }
    public ProxyEndpoint? Proxy { get; set; }
    public List<int> TunnelPorts { get; } = [];
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(20);
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan BackoffMin { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public bool Verbose { get; set; }

    // The media path, until the portal assigns one through the relay.
    public string? Source { get; set; }
    public string? Publish { get; set; }
    public string? PublishToken { get; set; }
    public string? PublishName { get; set; }
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How long a newly installed release has to reach a relay before the init script rolls it back.</summary>
    public TimeSpan UpdateTrial { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>The assignment the config names (source and publish), or null.</summary>
    public MediaAssignment? Media { get; private set; }

    public static AgentConfig Load(string path)
    {
        string[] lines;
        try
        {
            lines = TextFile.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read the config {path}: {e.Message}");
        }
        return Parse(lines, path);
    }

    public static AgentConfig Parse(IEnumerable<string> lines, string source)
    {
        var config = new AgentConfig();
        byte[]? defaultKey = null;
        var relays = new List<(string Host, int Port, byte[]? Key, int Line)>();
        var n = 0;
        foreach (var raw in lines)
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                throw new ConfigException($"{source}:{n}: expected 'key = value'");
            }
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            string Where() => $"{source}:{n}: {key}";
            switch (key)
            {
                case "relay":
                    var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length is < 1 or > 2 || !RelayEndpoint.TryParse(parts[0], out var host, out var port))
                    {
                        throw new ConfigException($"{Where()}: expected host:port [public-key]");
                    }
                    byte[]? relayKey = null;
                    if (parts.Length == 2 && !DeviceIdentity.TryParseKey(parts[1], out relayKey))
                    {
                        throw new ConfigException($"{Where()}: the relay key is not 32 bytes of base64 or hex");
                    }
                    relays.Add((host, port, relayKey, n));
                    break;
                case "relay_key":
                    if (!DeviceIdentity.TryParseKey(value, out var k))
                    {
                        throw new ConfigException($"{Where()}: not 32 bytes of base64 or hex");
                    }
                    defaultKey = k;
                    break;
                case "state_dir": config.StateDir = value; break;
                case "serial": config.Serial = value; break;
                case "model": config.Model = value; break;
                case "firmware": config.Firmware = value; break;
                case "camera": config.Camera = value; break;
                case "camera_url":
                    config.CameraUrl = MediaUrl.TryParse(value) is { Scheme: "rtsp" } ? value : throw new ConfigException($"{Where()}: expected rtsp://[user:password@]host[:port]/path");
                    break;
                case "enroll_token": config.EnrollToken = value; break;
                case "release_key":
                    if (!DeviceIdentity.TryParseKey(value, out var releaseKey))
                    {
                        throw new ConfigException($"{Where()}: not 32 bytes of base64 or hex");
                    }
                    config.ReleaseKey = releaseKey;
                    break;
                case "proxy":
                    config.Proxy = ProxyEndpoint.TryParse(value) ?? throw new ConfigException($"{Where()}: expected http://[user:password@]host:port");
                    break;
                case "tunnel_ports":
                    foreach (var p in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var tp) || tp is < 1 or > 65535)
                        {
                            throw new ConfigException($"{Where()}: '{p}' is not a port");
                        }
                        config.TunnelPorts.Add(tp);
                    }
                    break;
                case "heartbeat_interval": config.HeartbeatInterval = Seconds(value, Where); break;
                case "update_trial": config.UpdateTrial = Seconds(value, Where); break;
                case "heartbeat_timeout": config.HeartbeatTimeout = Seconds(value, Where); break;
                case "backoff_min": config.BackoffMin = Seconds(value, Where); break;
                case "backoff_max": config.BackoffMax = Seconds(value, Where); break;
                case "stable_after": config.StableAfter = Seconds(value, Where); break;
                case "connect_timeout": config.ConnectTimeout = Seconds(value, Where); break;
                case "verbose": config.Verbose = value is "1" or "true" or "yes"; break;
                case "source": config.Source = value; break;
                case "publish": config.Publish = value; break;
                case "publish_token": config.PublishToken = value; break;
                case "publish_name": config.PublishName = value; break;
                case "stats_interval": config.StatsInterval = Seconds(value, Where); break;
                default:
                    throw new ConfigException($"{source}:{n}: unknown key '{key}'");
            }
        }
        foreach (var (host, port, key, line) in relays)
        {
            var pinned = key ?? defaultKey ?? throw new ConfigException($"{source}:{line}: relay {host}:{port} has no key (add relay_key = ...)");
            config.Relays.Add(new RelayEndpoint(host, port, pinned));
        }
        if (config.HeartbeatTimeout <= config.HeartbeatInterval)
        {
            throw new ConfigException($"{source}: heartbeat_timeout must be longer than heartbeat_interval");
        }
        if (config.BackoffMax < config.BackoffMin)
        {
            throw new ConfigException($"{source}: backoff_max is below backoff_min");
        }
        config.DefaultRelayKey = defaultKey;
        config.ApplyMedia(source);
        return config;
    }

    /// <summary>Checks source and publish together (both or neither); the command line may set them after the file.</summary>
    public void ApplyMedia(string where)
    {
        if (Source is null && Publish is null)
        {
            Media = null;
            return;
        }
        if (Source is null || Publish is null)
        {
            throw new ConfigException($"{where}: source and publish go together (the camera's rtsp:// and the streamer's rtmp:// or rtsp://)");
        }
        Media = MediaAssignment.Create(PublishName, Source, Publish, PublishToken, out var error)
            ?? throw new ConfigException($"{where}: {error}");
    }

    /// <summary>The key pinned for relays named only by a hint (a goaway's node list).</summary>
    public byte[]? DefaultRelayKey { get; private set; }

    private static TimeSpan Seconds(string value, Func<string> where) =>
        TryParseSeconds(value, out var seconds) ? seconds : throw new ConfigException($"{where()}: expected seconds, more than 0");

    /// <summary>
    /// Seconds as digits with an optional decimal point ("20", "0.5", ".25"), above 0 and at most a day.
    /// Parsed by hand into whole ticks (finer digits are dropped): double parsing would link the
    /// runtime's floating-point parser for this one use.
    /// </summary>
    internal static bool TryParseSeconds(string value, out TimeSpan seconds)
    {
        const long maxSeconds = 86400;
        seconds = default;
        long whole = 0, fraction = 0;
        int fractionDigits = 0, digits = 0;
        bool point = false, nonZero = false, finerNonZero = false;
        foreach (var c in value)
        {
            if (c == '.' && !point)
            {
                point = true;
                continue;
            }
            if (c is < '0' or > '9')
            {
                return false;
            }
            digits++;
            nonZero |= c != '0';
            if (!point)
            {
                whole = Math.Min(whole * 10 + (c - '0'), maxSeconds + 1);
            }
            else if (fractionDigits < 7)
            {
                fraction = fraction * 10 + (c - '0');
                fractionDigits++;
            }
            else
            {
                finerNonZero |= c != '0';
            }
        }
        if (digits == 0 || !nonZero || whole > maxSeconds || (whole == maxSeconds && (fraction > 0 || finerNonZero)))
        {
            return false;
        }
        for (; fractionDigits < 7; fractionDigits++)
        {
            fraction *= 10;
        }
        seconds = TimeSpan.FromTicks(whole * TimeSpan.TicksPerSecond + fraction);
        return true;
    }
}

internal sealed class ConfigException(string message) : Exception(message);
