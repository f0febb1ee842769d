using System.Diagnostics;
using System.Net;
using Vigil.Stack;
using static Vigil.Portal.Tests.Faults.ClusterRig;

namespace Vigil.Portal.Tests.Faults;

/// <summary>
/// PostgreSQL restarts under a running portal process, a relay and an agent: cleanly (fast
/// shutdown), then by a SIGKILL of the postmaster. While it is away the API answers a clear 503;
/// once it is back, with nothing restarted, everything made before is there, writes succeed, and
/// presence and commands work again: a device that came and one that left during the outage are
/// shown as they are (the relay retries its hellos and sends a snapshot after a failed report).
/// </summary>
[NonParallelizable]
public sealed class PostgresRestartTests
{
    [Test]
    public async Task ThePortalRidesOutARestartAndACrashOfPostgres()
    {
        if (OwnPostgres.FindBin() is null)
        {
            Assert.Fail("PostgreSQL is not installed (./build.sh test installs it)");
        }
        await using var pg = await OwnPostgres.StartAsync("vigil");
        await using var portal = await PortalProcess.StartAsync(PortalDll, pg.ConnectionString("vigil"));
        using var admin = Admin(portal);
        await using var relay = await StartRelayAsync(admin, portal.BaseAddress, "node-pg");
        var agents = new List<AgentProcess>();
        try
        {
            agents.Add(await StartAgentAsync([relay], "PG0001"));
            var first = agents[0].ReadDeviceId()!;
            Assert.That(await Eventually.True(() => ConnectedAsync(admin, first), 20), Is.True, agents[0].Log);
            var cameras = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                cameras.Add(await Streaming.CameraAsync(admin, null));
            }
            Assert.That((await admin.PostJsonAsync($"/api/v1/devices/{first}/approve", new { })).Status, Is.EqualTo(HttpStatusCode.OK));

            foreach (var (how, fault) in new (string, Func<Task>)[] { ("fast shutdown", () => { pg.StopFast(); return Task.CompletedTask; }), ("SIGKILL", pg.KillAsync) })
            {
                var leaver = await StartAgentAsync([relay], $"PGL{agents.Count:D3}");
                var leaverId = leaver.ReadDeviceId()!;
                Assert.That(await Eventually.True(() => ConnectedAsync(admin, leaverId), 20), Is.True, leaver.Log);
                await fault();
                // A camera goes offline while the database is away: only a report after the outage can tell.
                await leaver.DisposeAsync();
                // Away: clear 503s for reads and writes, and the portal stays up.
                var read = await admin.GetAsync("/api/v1/cameras");
                Assert.That(read.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"{how}: {read.Text}");
                Assert.That(read.Error, Does.Contain("database is unavailable"));
                Assert.That(read.Response.Headers.RetryAfter, Is.Not.Null);
                var write = await admin.PostJsonAsync("/api/v1/cameras", new { name = Streaming.Unique("cam"), stream_url = "rtsp://127.0.0.1:554/x" });
                Assert.That(write.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), $"{how}: {write.Text}");
                // A camera comes online while the database is away: the relay's hello waits for the portal.
                agents.Add(await StartAgentAsync([relay], $"PG{agents.Count + 1:D4}"));
                await Task.Delay(TimeSpan.FromSeconds(2));

                var clock = Stopwatch.StartNew();
                await pg.StartAgainAsync();
                Assert.That(await Eventually.True(async () => (await admin.GetAsync("/api/v1/cameras")).Status == HttpStatusCode.OK, 30), Is.True,
                    $"{how}: the portal serves again by itself\n{portal.Log}");
                var back = clock.Elapsed;
                var listed = (await admin.GetAsync("/api/v1/cameras")).Json!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
                Assert.That(listed, Is.SupersetOf(cameras), $"{how}: nothing lost");
                var made = await admin.PostJsonAsync("/api/v1/cameras", new { name = Streaming.Unique("cam"), stream_url = "rtsp://127.0.0.1:554/after" });
                Assert.That(made.Status, Is.EqualTo(HttpStatusCode.Created), $"{how}: writes succeed: {made.Text}");
                cameras.Add(made.Json!["name"]!.GetValue<string>());
                var newcomer = agents[^1].ReadDeviceId()!;
                Assert.That(await Eventually.True(() => ConnectedAsync(admin, newcomer), 30), Is.True, $"{how}: the device that came during the outage is known and connected");
                Assert.That(await Eventually.True(async () => !await ConnectedAsync(admin, leaverId), 30), Is.True, $"{how}: the device that left during the outage is shown gone");
                var echo = await admin.PostJsonAsync($"/api/v1/devices/{first}/commands", new { name = "echo", args = new { after = how } });
                Assert.That(echo.Json?["ok"]?.GetValue<bool>(), Is.True, $"{how}: {echo.Text}");
                TestContext.Out.WriteLine($"{how}: the API served again {back.TotalSeconds:F1} s after PostgreSQL was started again");
            }
            Assert.That(portal.Log, Does.Not.Contain("unhandled error"), "no 500 for a database that is away");
        }
        finally
        {
            await Task.WhenAll(agents.Select(a => a.DisposeAsync().AsTask()));
        }
    }
}
