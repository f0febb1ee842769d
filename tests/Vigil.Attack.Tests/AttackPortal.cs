using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// A real vigil-portal process (SQLite, its own directory) for the attacks on the hooks and the
/// camera API, with the admin's requests an operator would make to set the scene.
/// </summary>
internal sealed class AttackPortal : IAsyncDisposable
{
    private AttackPortal(string dir, PortalProcess portal)
    {
        Dir = dir;
        Process = portal;
    }

    public string Dir { get; }
    public PortalProcess Process { get; }
    /// <summary>The first admin's client.</summary>
    public HttpClient Admin => Process.Api;

    /// <param name="environment">VIGIL_PORTAL_* settings of the process beyond its defaults.</param>
    public static async Task<AttackPortal> StartAsync(string name, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dir = Directory.CreateTempSubdirectory($"vigil-attack-{name}-").FullName;
        var portal = await PortalProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll"), Path.Combine(dir, "portal.db"), environment);
        return new AttackPortal(dir, portal);
    }

    /// <summary>A client with no session: anyone on the internet.</summary>
    public HttpClient Anonymous() => new() { BaseAddress = Process.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A streamer made by the admin; its hooks' URLs (absolute, with the hook key).</summary>
    public async Task<JsonNode> StreamerAsync(string name, string kind, string publicUrl, string ingestUrl) =>
        (await VigilStack.PostAsync(Admin, "/api/v1/streamers", new { name, kind, public_url = publicUrl, ingest_url = ingestUrl, capacity = 100 }, HttpStatusCode.Created))["hooks"]!;

    public Task<JsonNode> CameraAsync(object body) => VigilStack.PostAsync(Admin, "/api/v1/cameras", body, HttpStatusCode.Created);

    /// <summary>A user of role <paramref name="role"/> made by the admin and logged in: a client with that user's session.</summary>
    public async Task<(HttpClient Client, long Id)> UserAsync(string login, string role = "user")
    {
        var password = login + "-password-1";
        var made = await VigilStack.PostAsync(Admin, "/api/v1/users", new { login, password, role }, HttpStatusCode.Created);
        var client = Anonymous();
        var session = await VigilStack.PostAsync(client, "/api/v1/auth/login", new { login, password }, HttpStatusCode.OK);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session["token"]!.GetValue<string>());
        return (client, made["id"]!.GetValue<long>());
    }

    public async Task GroupAsync(string name) => await VigilStack.PostAsync(Admin, "/api/v1/groups", new { name }, HttpStatusCode.Created);

    public async Task MemberAsync(string group, long userId, bool canManage = false)
    {
        using var answer = await Admin.PutAsJsonAsync($"/api/v1/groups/{group}/members/{userId}", new { can_dvr = false, can_ptz = false, can_manage = canManage });
        Assert.That(answer.IsSuccessStatusCode, Is.True, await answer.Content.ReadAsStringAsync());
    }

    /// <summary>The token of a playback URL.</summary>
    public static string TokenOf(string url) => url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..].Split('&')[0];

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
