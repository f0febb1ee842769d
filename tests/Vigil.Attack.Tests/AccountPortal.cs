using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// A real vigil-portal process (SQLite in a directory of its own, optionally its embedded relay),
/// with the calls the account, claim and secret attacks make against it: users made by its admin,
/// logins as any client would send them, and devices seen through its API.
/// </summary>
internal sealed class AccountPortal : IAsyncDisposable
{
    private AccountPortal(PortalProcess process, string root, string dataDir, string database, int agentPort)
    {
        Process = process;
        Root = root;
        DataDir = dataDir;
        Database = database;
        AgentPort = agentPort;
    }

    public PortalProcess Process { get; }
    public string Root { get; }
    public string DataDir { get; }
    public string Database { get; }
    public int AgentPort { get; }
    public HttpClient Admin => Process.Api;

    public static string PortalDll => Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll");

    /// <summary>
    /// Starts a portal whose files live under a world-traversable directory (0755), as /var/lib is,
    /// so that only the modes of the portal's own files and directories keep other users out.
    /// </summary>
    /// <param name="embeddedRelay">Also run the embedded relay node, for agents to dial.</param>
    /// <param name="extraArgs">More vigil-portal options (a trusted proxy, the KDF cost).</param>
    /// <param name="prepare">Runs on the root before the portal starts (files an older version left).</param>
    public static async Task<AccountPortal> StartAsync(bool embeddedRelay = false, IEnumerable<string>? extraArgs = null, Action<string>? prepare = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the attack suite runs on Linux, where the portal runs");
        }
        var root = Path.Combine(Path.GetTempPath(), "vigil-attack-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root, (UnixFileMode)0b111_101_101);
        var dataDir = Path.Combine(root, "data");
        var database = Path.Combine(root, "db", "portal.db");
        prepare?.Invoke(root);
        var agentPort = RelayProcess.FreePort();
        var args = new List<string> { "--data-dir", dataDir };
        if (embeddedRelay)
        {
            args.AddRange(["--embedded-relay", $"127.0.0.1:{agentPort}", "--embedded-relay-api", $"127.0.0.1:{RelayProcess.FreePort()}"]);
        }
        args.AddRange(extraArgs ?? []);
        var process = await PortalProcess.StartAsync(PortalDll, database, extraArgs: args).ConfigureAwait(false);
        return new AccountPortal(process, root, dataDir, database, agentPort);
    }

    /// <summary>Makes a user and returns its id.</summary>
    public async Task<long> CreateUserAsync(string login, string password, string role = "user")
    {
        var created = await Admin.PostAsJsonAsync("/api/v1/users", new { login, password, role }).ConfigureAwait(false);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync().ConfigureAwait(false));
        return JsonNode.Parse(await created.Content.ReadAsStringAsync().ConfigureAwait(false))!["id"]!.GetValue<long>();
    }

    /// <summary>
    /// A login as a browser sends it, from a loopback address of its own (127.0.0.1 by default), with
    /// optional extra headers (what a proxy, or an attacker, adds).
    /// </summary>
    public async Task<HttpResponseMessage> LoginAsync(string login, string password, IReadOnlyDictionary<string, string>? headers = null, string from = "127.0.0.1")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login") { Content = JsonContent.Create(new { login, password }) };
        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(k, v);
        }
        using var client = LoopbackClient.From(from, Process.BaseAddress);
        return await client.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>A client carrying the session token that a successful login answered.</summary>
    public async Task<HttpClient> ClientAsync(string login, string password)
    {
        var response = await LoginAsync(login, password).ConfigureAwait(false);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        return Bearer(JsonNode.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false))!["token"]!.GetValue<string>());
    }

    public HttpClient Bearer(string token)
    {
        var client = new HttpClient { BaseAddress = Process.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The embedded relay's public key, once the node has registered itself.</summary>
    public async Task<byte[]> RelayKeyAsync()
    {
        string? key = null;
        var waited = await Poll.WithinAsync(TimeSpan.FromSeconds(30), async () =>
        {
            var nodes = JsonNode.Parse(await Admin.GetStringAsync("/api/v1/relays").ConfigureAwait(false))!.AsArray();
            key = nodes.FirstOrDefault(n => n!["node_id"]!.GetValue<string>() == "embedded")?["public_key"]?.GetValue<string>();
            return key is { Length: > 0 };
        }).ConfigureAwait(false);
        Assert.That(waited, Is.Not.Null, "the embedded relay registers itself\n" + Process.Log);
        return Convert.FromBase64String(key!);
    }

    /// <summary>The device as the portal's API shows it, once its hello has arrived.</summary>
    public async Task<JsonNode> DeviceAsync(string id)
    {
        JsonNode? device = null;
        var waited = await Poll.WithinAsync(TimeSpan.FromSeconds(30), async () =>
        {
            var response = await Admin.GetAsync($"/api/v1/devices/{id}").ConfigureAwait(false);
            device = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false)) : null;
            return device is not null;
        }).ConfigureAwait(false);
        Assert.That(waited, Is.Not.Null, $"device {id} said hello\n" + Process.Log);
        return device!;
    }

    private bool _stopped;

    /// <summary>Stops the portal process and leaves its files, for a later start on them.</summary>
    public async Task StopProcessAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Process.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the portal's last moments: the temporary directory keeps it.
        }
    }
}
