namespace Vigil.Portal;

/// <summary>
/// How a portal runs. From a JSON file (--config), then VIGIL_PORTAL_* environment variables, then
/// the command line (see Program.cs for the switches).
/// </summary>
public sealed class PortalOptions
{
    /// <summary>Where the API listens.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8080";
    /// <summary>A SQLite file path (the default), or a PostgreSQL connection string or postgres:// URL.</summary>
    public string Database { get; set; } = "/var/lib/vigil-portal/portal.db";
    /// <summary>How the portal is reached from outside, for links it hands out (hooks, docs).</summary>
    public string PublicUrl { get; set; } = "";
    public int SessionLifetimeHours { get; set; } = 24 * 7;
    public int PasswordIterations { get; set; } = Auth.PasswordHasher.DefaultIterations;
    /// <summary>Lifetime of a playback token handed to a viewer.</summary>
    public int PlaybackTokenSeconds { get; set; } = 3 * 3600;
    /// <summary>
    /// The secret shared with the streamer nodes' coturn (static-auth-secret): the portal hands out
    /// TURN credentials made with it alongside the WebRTC URL. Empty: no STUN or TURN servers are offered.
    /// </summary>
    public string TurnSecret { get; set; } = "";
    /// <summary>The port of coturn on each streamer node's public host.</summary>
    public int TurnPort { get; set; } = 3478;
    /// <summary>How long a play or publish decision may be served from memory; revocations take effect within it.</summary>
    public double DecisionCacheSeconds { get; set; } = 3;
    /// <summary>Where the portal keeps files of its own (the embedded relay's key and token).</summary>
    public string DataDir { get; set; } = "/var/lib/vigil-portal";
    /// <summary>Where the embedded relay node takes agents (empty: no embedded relay; run vigil-relay nodes).</summary>
    public string EmbeddedRelay { get; set; } = "";
    /// <summary>The embedded relay node's API, on loopback.</summary>
    public string EmbeddedRelayApi { get; set; } = "127.0.0.1:7480";
    /// <summary>
    /// How often each streamer's API address is probed for health. With <see cref="StreamerDownAfter"/>
    /// this bounds how soon the cameras of a failed streamer move: within period x confirmations
    /// (4 s by default) plus the probe timeout, leaving room for the agents to publish again and the
    /// streamer to cut its first fragment within 15 s of the failure.
    /// </summary>
    public int StreamerProbeSeconds { get; set; } = 2;
    /// <summary>How many failed probes in a row make a streamer "down" (and move its cameras).</summary>
    public int StreamerDownAfter { get; set; } = 2;
    /// <summary>The login of the account made at the first start.</summary>
    public string AdminLogin { get; set; } = "admin";
    /// <summary>The built web portal (index.html and assets); empty: the wwwroot next to the program.</summary>
    public string WebRoot { get; set; } = "";

    /// <summary>
    /// The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses or CIDR
    /// networks, comma-separated (e.g. "127.0.0.1" for a TLS proxy on the same host). Empty: none.
    /// </summary>
    public string TrustedProxies { get; set; } = "";

    /// <summary>New devices that may wait as pending on one relay node; more are refused until an operator acts.</summary>
    public int EnrolmentMaxPendingPerRelay { get; set; } = 1000;
    /// <summary>New devices that may wait as pending from one public address (without a good enrolment token).</summary>
    public int EnrolmentMaxPendingPerAddress { get; set; } = 32;
    /// <summary>Enrolment tokens installers put in the agent's package (enroll_token); a device with one skips the per-address cap.</summary>
    public List<string> EnrolmentTokens { get; set; } = [];
    /// <summary>Refuse every new device that does not carry one of <see cref="EnrolmentTokens"/>.</summary>
    public bool EnrolmentTokenRequired { get; set; }

    /// <summary>
    /// The public halves of the agent release keys (base64, comma-separated; `./build.sh release-key`
    /// prints one): an uploaded release must be signed by one of them. Empty: no release is taken.
    /// The private key never comes near the portal.
    /// </summary>
    public string ReleaseKeys { get; set; } = "";

    /// <summary>How often the rollout driver looks at the rollouts in progress.</summary>
    public double RolloutTickSeconds { get; set; } = 2;

    public TimeSpan SessionLifetime => TimeSpan.FromHours(SessionLifetimeHours);

    /// <summary>The parsed <see cref="ReleaseKeys"/>; throws <see cref="FormatException"/> naming a key that is not one.</summary>
    public IReadOnlyList<byte[]> ParsedReleaseKeys() =>
        [.. ReleaseKeys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k =>
        {
            try
            {
                return Vigil.Protocol.Releases.ReleaseFormat.ParseKey(k);
            }
            catch (FormatException e)
            {
                throw new FormatException($"ReleaseKeys: '{k}' is not a release public key: {e.Message}", e);
            }
        })];
}
