using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Vigil.Portal.Tests;

/// <summary>
/// Every endpoint the portal maps, called as nobody, a user, an operator and an admin: those below
/// the endpoint's floor are refused (401 for nobody, 403 for the others), those at or above it get
/// past authorization. A route the table does not list fails the test, so a new endpoint cannot
/// ship without its rule. Then the camera rules, object by object.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class AuthorizationMatrixTests(string database)
{
    private enum Floor
    {
        Anonymous,
        User,
        Operator,
        Admin,
        /// <summary>Relay nodes only: no user of any role gets in.</summary>
        Node,
        /// <summary>A streamer's hook key only: no user of any role gets in.</summary>
        Streamer,
        /// <summary>Checked by its own tests (login, logout).</summary>
        Own,
    }

    /// <summary>Route pattern as mapped, method, a concrete path to call, and who may.</summary>
    private static readonly (string Method, string Pattern, string Path, Floor Floor)[] Table =
    [
        ("GET", "/healthz", "/healthz", Floor.Anonymous),
        ("GET", "/api/openapi.json", "/api/openapi.json", Floor.Anonymous),
        ("POST", "/api/v1/auth/login", "/api/v1/auth/login", Floor.Own),
        ("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", Floor.Own),
        ("GET", "/api/v1/auth/whoami", "/api/v1/auth/whoami", Floor.User),
        ("GET", "/api/v1/auth/api-keys", "/api/v1/auth/api-keys", Floor.User),
        ("POST", "/api/v1/auth/api-keys", "/api/v1/auth/api-keys", Floor.User),
        ("DELETE", "/api/v1/auth/api-keys/{id:long}", "/api/v1/auth/api-keys/999999", Floor.User),
        ("POST", "/api/v1/auth/password", "/api/v1/auth/password", Floor.User),
        ("GET", "/api/v1/users", "/api/v1/users", Floor.Admin),
        ("GET", "/api/v1/users/{id:long}", "/api/v1/users/999999", Floor.Admin),
        ("POST", "/api/v1/users", "/api/v1/users", Floor.Admin),
        ("PATCH", "/api/v1/users/{id:long}", "/api/v1/users/999999", Floor.Admin),
        ("DELETE", "/api/v1/users/{id:long}", "/api/v1/users/999999", Floor.Admin),
        ("POST", "/api/v1/users/import", "/api/v1/users/import", Floor.Admin),
        ("POST", "/api/v1/cameras/import", "/api/v1/cameras/import", Floor.Operator),
        ("GET", "/api/v1/groups", "/api/v1/groups", Floor.Operator),
        ("POST", "/api/v1/groups", "/api/v1/groups", Floor.Admin),
        ("DELETE", "/api/v1/groups/{name}", "/api/v1/groups/no-such-group", Floor.Admin),
        ("GET", "/api/v1/groups/{name}/members", "/api/v1/groups/no-such-group/members", Floor.Admin),
        ("PUT", "/api/v1/groups/{name}/members/{userId:long}", "/api/v1/groups/no-such-group/members/1", Floor.Admin),
        ("DELETE", "/api/v1/groups/{name}/members/{userId:long}", "/api/v1/groups/no-such-group/members/1", Floor.Admin),
        ("GET", "/api/v1/cameras", "/api/v1/cameras", Floor.Anonymous),
        ("GET", "/api/v1/cameras/{name}", "/api/v1/cameras/matrix-public", Floor.Anonymous),
        ("GET", "/api/v1/cameras/{name}/playback", "/api/v1/cameras/matrix-public/playback", Floor.Anonymous),
        // A clip needs can_dvr on the camera: a plain user who views the public camera is refused.
        ("POST", "/api/v1/cameras/{name}/clips", "/api/v1/cameras/matrix-public/clips", Floor.Operator),
        ("GET", "/api/v1/me/favorites", "/api/v1/me/favorites", Floor.User),
        ("PUT", "/api/v1/me/favorites/{name}", "/api/v1/me/favorites/matrix-public", Floor.User),
        ("DELETE", "/api/v1/me/favorites/{name}", "/api/v1/me/favorites/matrix-public", Floor.User),
        ("POST", "/api/v1/cameras", "/api/v1/cameras", Floor.Operator),
        ("PATCH", "/api/v1/cameras/{name}", "/api/v1/cameras/matrix-authorized", Floor.Operator),
        ("DELETE", "/api/v1/cameras/{name}", "/api/v1/cameras/no-such-camera", Floor.Operator),
        ("POST", "/api/v1/cameras/import-scan", "/api/v1/cameras/import-scan", Floor.Operator),
        ("GET", "/api/v1/metrics", "/api/v1/metrics", Floor.Operator),
        ("GET", "/api/v1/streamers", "/api/v1/streamers", Floor.Operator),
        ("POST", "/api/v1/streamers", "/api/v1/streamers", Floor.Admin),
        ("PATCH", "/api/v1/streamers/{name}", "/api/v1/streamers/no-such-streamer", Floor.Admin),
        ("POST", "/api/v1/streamers/{name}/rotate-key", "/api/v1/streamers/no-such-streamer/rotate-key", Floor.Admin),
        ("DELETE", "/api/v1/streamers/{name}", "/api/v1/streamers/no-such-streamer", Floor.Admin),
        ("GET", "/api/v1/devices", "/api/v1/devices", Floor.Operator),
        ("GET", "/api/v1/devices/{id}", "/api/v1/devices/no-such-device", Floor.Operator),
        ("POST", "/api/v1/devices/{id}/approve", "/api/v1/devices/no-such-device/approve", Floor.Operator),
        ("POST", "/api/v1/devices/{id}/reject", "/api/v1/devices/no-such-device/reject", Floor.Operator),
        ("POST", "/api/v1/devices/{id}/revoke", "/api/v1/devices/no-such-device/revoke", Floor.Operator),
        ("POST", "/api/v1/devices/{id}/bind", "/api/v1/devices/no-such-device/bind", Floor.Operator),
        ("POST", "/api/v1/devices/{id}/commands", "/api/v1/devices/no-such-device/commands", Floor.Operator),
        ("POST", "/api/v1/devices/{id}/tunnel-token", "/api/v1/devices/no-such-device/tunnel-token", Floor.Operator),
        ("POST", "/api/v1/devices/{id}/onvif", "/api/v1/devices/no-such-device/onvif", Floor.Operator),
        ("POST", "/api/v1/devices/claim", "/api/v1/devices/claim", Floor.User),
        ("POST", "/api/v1/stickers", "/api/v1/stickers", Floor.Operator),
        ("GET", "/api/v1/tunnel-key", "/api/v1/tunnel-key", Floor.Operator),
        ("GET", "/api/v1/relays", "/api/v1/relays", Floor.Operator),
        ("PUT", "/api/v1/relays/{nodeId}", "/api/v1/relays/matrix-node", Floor.Admin),
        ("DELETE", "/api/v1/relays/{nodeId}", "/api/v1/relays/no-such-node", Floor.Admin),
        ("POST", "/internal/v1/hello", "/internal/v1/hello", Floor.Node),
        ("POST", "/internal/v1/presence", "/internal/v1/presence", Floor.Node),
        ("POST", "/internal/v1/media-refused", "/internal/v1/media-refused", Floor.Node),
        ("GET", "/hooks/flussonic/{streamer}", "/hooks/flussonic/matrix-streamer?name=matrix-public&token=x", Floor.Streamer),
        ("POST", "/hooks/flussonic/{streamer}", "/hooks/flussonic/matrix-streamer?name=matrix-public&token=x", Floor.Streamer),
        ("POST", "/hooks/nginx-rtmp/{streamer}", "/hooks/nginx-rtmp/matrix-streamer", Floor.Streamer),
        ("GET", "/hooks/nginx-rtmp/{streamer}", "/hooks/nginx-rtmp/matrix-streamer", Floor.Streamer),
        ("GET", "/hooks/nginx-rtmp/{streamer}/archive-policy", "/hooks/nginx-rtmp/matrix-streamer/archive-policy", Floor.Streamer),
        ("POST", "/hooks/mediamtx/{streamer}", "/hooks/mediamtx/matrix-streamer", Floor.Streamer),
        ("GET", "/api/v1/branding", "/api/v1/branding", Floor.Anonymous),
        ("PUT", "/api/v1/branding", "/api/v1/branding", Floor.Admin),
        ("GET", "/api/v1/settings/auth", "/api/v1/settings/auth", Floor.Admin),
        ("PUT", "/api/v1/settings/auth", "/api/v1/settings/auth", Floor.Admin),
        ("GET", "/api/v1/cameras/{name}/snapshot", "/api/v1/cameras/matrix-public/snapshot", Floor.Anonymous),
        ("GET", "/api/v1/cameras/{name}/events", "/api/v1/cameras/matrix-public/events", Floor.Anonymous),
        ("GET", "/api/v1/settings/events-webhook", "/api/v1/settings/events-webhook", Floor.Operator),
        ("PUT", "/api/v1/settings/events-webhook", "/api/v1/settings/events-webhook", Floor.Operator),
        // PTZ needs can_ptz on the camera: a plain user who views the public camera is refused.
        ("POST", "/api/v1/cameras/{name}/ptz/move", "/api/v1/cameras/matrix-public/ptz/move", Floor.Operator),
        ("POST", "/api/v1/cameras/{name}/ptz/stop", "/api/v1/cameras/matrix-public/ptz/stop", Floor.Operator),
        ("POST", "/api/v1/cameras/{name}/ptz/zoom", "/api/v1/cameras/matrix-public/ptz/zoom", Floor.Operator),
        ("POST", "/api/v1/cameras/{name}/ptz/home", "/api/v1/cameras/matrix-public/ptz/home", Floor.Operator),
        ("GET", "/api/v1/cameras/{name}/ptz/status", "/api/v1/cameras/matrix-public/ptz/status", Floor.Operator),
        ("GET", "/api/v1/cameras/{name}/ptz/presets", "/api/v1/cameras/matrix-public/ptz/presets", Floor.Operator),
        ("POST", "/api/v1/cameras/{name}/ptz/presets", "/api/v1/cameras/matrix-public/ptz/presets", Floor.Operator),
        ("POST", "/api/v1/cameras/{name}/ptz/presets/{token}/goto", "/api/v1/cameras/matrix-public/ptz/presets/1/goto", Floor.Operator),
        ("DELETE", "/api/v1/cameras/{name}/ptz/presets/{token}", "/api/v1/cameras/matrix-public/ptz/presets/1", Floor.Operator),
        ("GET", "/api/v1/cameras/{name}/ptz/audit", "/api/v1/cameras/matrix-public/ptz/audit", Floor.Operator),
        // Agent releases and rollouts decide what runs on every camera: staff only.
        ("GET", "/api/v1/releases", "/api/v1/releases", Floor.Operator),
        ("POST", "/api/v1/releases", "/api/v1/releases", Floor.Operator),
        ("GET", "/api/v1/releases/{id:long}", "/api/v1/releases/999999", Floor.Operator),
        ("DELETE", "/api/v1/releases/{id:long}", "/api/v1/releases/999999", Floor.Operator),
        ("GET", "/api/v1/rollouts", "/api/v1/rollouts", Floor.Operator),
        ("POST", "/api/v1/rollouts", "/api/v1/rollouts", Floor.Operator),
        ("GET", "/api/v1/rollouts/{id:long}", "/api/v1/rollouts/999999", Floor.Operator),
        ("POST", "/api/v1/rollouts/{id:long}/pause", "/api/v1/rollouts/999999/pause", Floor.Operator),
        ("POST", "/api/v1/rollouts/{id:long}/resume", "/api/v1/rollouts/999999/resume", Floor.Operator),
        ("POST", "/api/v1/rollouts/{id:long}/cancel", "/api/v1/rollouts/999999/cancel", Floor.Operator),
    ];

    private PortalServer _portal = null!;
    private PortalClient _admin = null!;
    private PortalClient _operator = null!;
    private PortalClient _user = null!;
    private long _userId;

    [OneTimeSetUp]
    public async Task Start()
    {
        _portal = await PortalServer.StartAsync(database);
        _admin = await _portal.AdminAsync();
        (_operator, _) = await _portal.UserAsync(_admin, "matrix-operator", "operator");
        (_user, _userId) = await _portal.UserAsync(_admin, "matrix-user");
        await Fixtures.CameraAsync(_admin, "matrix-public", "public");
        await Fixtures.CameraAsync(_admin, "matrix-authorized", "authorized");
    }

    [OneTimeTearDown]
    public async Task Stop() => await _portal.DisposeAsync();

    [Test]
    public void EveryMappedRouteHasARule()
    {
        var mapped = _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {"/" + e.RoutePattern.RawText!.TrimStart('/')}"))
            .ToHashSet();
        var listed = Table.Select(t => $"{t.Method} {t.Pattern}").ToHashSet();
        Assert.That(mapped.Except(listed), Is.Empty, "routes without a rule in the matrix");
        Assert.That(listed.Except(mapped), Is.Empty, "rules for routes that do not exist");
    }

    [Test]
    public async Task EachRoleGetsExactlyWhatItsFloorAllows()
    {
        var callers = new (string Name, PortalClient Client, Floor Level)[]
        {
            ("anonymous", _portal.Anonymous(), Floor.Anonymous),
            ("user", _user, Floor.User),
            ("operator", _operator, Floor.Operator),
            ("admin", _admin, Floor.Admin),
        };
        var failures = new List<string>();
        foreach (var (method, _, path, floor) in Table.Where(t => t.Floor != Floor.Own))
        {
            foreach (var (name, client, level) in callers)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
                }
                var status = (await client.SendAsync(request)).Status;
                var refused = status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
                var allowed = floor is not (Floor.Node or Floor.Streamer) && level >= floor;
                if (allowed == refused)
                {
                    failures.Add($"{method} {path} as {name}: {(int)status}");
                }
                else if (refused && level == Floor.Anonymous && status != HttpStatusCode.Unauthorized)
                {
                    failures.Add($"{method} {path} as nobody: {(int)status}, expected 401");
                }
            }
        }
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task AUserNeverSeesOrChangesACameraOutsideItsAccess()
    {
        await _admin.PostJsonAsync("/api/v1/groups", new { name = "g-in" });
        await _admin.PostJsonAsync("/api/v1/groups", new { name = "g-out" });
        Assert.That((await _admin.PutJsonAsync($"/api/v1/groups/g-in/members/{_userId}", new { can_dvr = false })).Status, Is.EqualTo(HttpStatusCode.NoContent));
        await Fixtures.CameraAsync(_admin, "c-in", "private", "g-in");
        await Fixtures.CameraAsync(_admin, "c-out", "private", "g-out");
        await Fixtures.CameraAsync(_admin, "c-off", "private", "g-in");
        await _admin.PatchJsonAsync("/api/v1/cameras/c-off", new { enabled = false });

        var list = (await _user.GetAsync("/api/v1/cameras?limit=1000")).Text;
        Assert.That(list, Does.Contain("\"c-in\"").And.Contain("matrix-public").And.Contain("matrix-authorized"));
        Assert.That(list, Does.Not.Contain("\"c-out\"").And.Not.Contain("\"c-off\""));
        foreach (var hidden in new[] { "c-out", "c-off" })
        {
            Assert.That((await _user.GetAsync($"/api/v1/cameras/{hidden}")).Status, Is.EqualTo(HttpStatusCode.NotFound), hidden);
            Assert.That((await _user.PatchJsonAsync($"/api/v1/cameras/{hidden}", new { title = "mine" })).Status, Is.EqualTo(HttpStatusCode.NotFound), hidden);
            Assert.That((await _user.DeleteAsync($"/api/v1/cameras/{hidden}")).Status, Is.EqualTo(HttpStatusCode.Forbidden), hidden);
        }
        Assert.That((await _user.PatchJsonAsync("/api/v1/cameras/c-in", new { title = "mine" })).Status, Is.EqualTo(HttpStatusCode.Forbidden), "view is not manage");

        await _admin.PutJsonAsync($"/api/v1/groups/g-in/members/{_userId}", new { can_manage = true });
        Assert.That(await Eventually.True(async () => (await _user.PatchJsonAsync("/api/v1/cameras/c-in", new { title = "mine" })).Status == HttpStatusCode.OK, seconds: 5), Is.True);
        Assert.That((await _user.PatchJsonAsync("/api/v1/cameras/c-in", new { access = "public" })).Status, Is.EqualTo(HttpStatusCode.Forbidden),
            "who may see a camera is for staff");
        Assert.That((await _admin.GetAsync("/api/v1/cameras/c-out")).Json!["access"]!.GetValue<string>(), Is.EqualTo("private"));

        await _admin.DeleteAsync($"/api/v1/groups/g-in/members/{_userId}");
        Assert.That(await Eventually.True(async () => (await _user.GetAsync("/api/v1/cameras/c-in")).Status == HttpStatusCode.NotFound, seconds: 5), Is.True,
            "a removed right is gone within seconds");

        using var anon = _portal.Anonymous();
        var publicList = (await anon.GetAsync("/api/v1/cameras")).Text;
        Assert.That(publicList, Does.Contain("matrix-public").And.Not.Contain("matrix-authorized").And.Not.Contain("\"c-in\""));
        Assert.That((await anon.GetAsync("/api/v1/cameras/matrix-authorized")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task AnOperatorNeverDoesWhatIsAnAdmins()
    {
        var attempts = new[]
        {
            await _operator.PostJsonAsync("/api/v1/users", new { login = "op-made", password = "password-123", role = "admin" }),
            await _operator.PatchJsonAsync($"/api/v1/users/{_userId}", new { role = "admin" }),
            await _operator.PostJsonAsync("/api/v1/streamers", new { name = "op-streamer", public_url = "http://x", ingest_url = "rtmp://x/live" }),
            await _operator.PutJsonAsync("/api/v1/branding", new { title = "pwned" }),
            await _operator.PutJsonAsync("/api/v1/settings/auth", new { backend_url = "http://evil.example/auth" }),
            await _operator.PutJsonAsync("/api/v1/relays/op-node", new { api_url = "http://evil.example" }),
        };
        Assert.That(attempts.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await _admin.GetAsync($"/api/v1/users/{_userId}")).Json!["role"]!.GetValue<string>(), Is.EqualTo("user"));
        Assert.That((await _admin.GetAsync("/api/v1/branding")).Text, Does.Not.Contain("pwned"));
        Assert.That((await _admin.GetAsync("/api/v1/relays")).Text, Does.Not.Contain("op-node"));
    }
}
