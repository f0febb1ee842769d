using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Portal.CameraControl;

namespace Vigil.Portal.Tests;

/// <summary>
/// Camera events end to end: the portal's PullPoint subscription through the real relay and AOT
/// agent to the simulated camera; an event raised at the camera in the API within 2 s and at the
/// operator's webhook with a valid signature; the subscription back after the agent reconnects;
/// hostile PullMessages answers refused and retried with backoff.
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class EventsThroughAgentTests(string database) : CameraBehindAgentSuite(database)
{
    private const string Secret = "webhook-secret-0123456789";
    private WebhookReceiver _hook = null!;
    private string Events => $"/api/v1/cameras/{Rig.CameraName}/events";

    [OneTimeSetUp]
    public async Task StartWebhook()
    {
        _hook = await WebhookReceiver.StartAsync();
        var set = await Admin.PutJsonAsync("/api/v1/settings/events-webhook", new { url = _hook.Url, secret = Secret });
        Assert.That(set.Status, Is.EqualTo(HttpStatusCode.NoContent), set.Text);
    }

    [OneTimeTearDown]
    public async Task StopWebhook()
    {
        if (_hook is not null)
        {
            await _hook.DisposeAsync();
        }
    }

    private async Task<JsonArray> ListAsync(string query = "")
    {
        var answer = await Admin.GetAsync(Events + query);
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        return answer.Json!.AsArray();
    }

    /// <summary>Raises a kind at the camera and waits for it in the API; how long it took.</summary>
    private async Task<(JsonNode Event, TimeSpan Took)> RaiseAsync(string kind, double seconds = 10)
    {
        var before = (await ListAsync("?limit=1000")).Count;
        var watch = Stopwatch.StartNew();
        var raised = Rig.Camera.Events.Raise(kind);
        while (watch.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var list = await ListAsync("?limit=1000");
            if (list.Count > before)
            {
                var e = list[^1]!;
                Assert.That(e["at"]!.GetValue<long>(), Is.EqualTo(new DateTimeOffset(raised).ToUnixTimeMilliseconds()), "the camera's UtcTime");
                return (e, watch.Elapsed);
            }
            await Task.Delay(50);
        }
        Assert.Fail($"the {kind} event raised at the camera did not reach the API within {seconds} s\n{Portal.Log.Text}");
        throw new InvalidOperationException();
    }

    private Task<bool> SubscribedAsync(int atLeast) => Eventually.True(() => Task.FromResult(Rig.Camera.Events.Subscriptions >= 1 && Rig.Camera.Events.Subscribed >= atLeast), 30);

    [Test, Order(1)]
    public async Task MotionAtTheCameraIsInTheApiWithinTwoSecondsAndAtTheWebhookSigned()
    {
        Assert.That(await SubscribedAsync(1), Is.True, "the portal subscribes to the bound camera by itself\n" + Portal.Log.Text);
        var (motion, took) = await RaiseAsync("motion");
        Assert.That(took, Is.LessThan(TimeSpan.FromSeconds(2)), "event at the camera to the API");
        Assert.That(motion["kind"]!.GetValue<string>(), Is.EqualTo("motion"));
        Assert.That(motion["camera"]!.GetValue<string>(), Is.EqualTo(Rig.CameraName));
        Assert.That(motion["topic"]!.GetValue<string>(), Is.EqualTo("tns1:RuleEngine/CellMotionDetector/Motion"));
        Assert.That(motion["source"]!["Rule"]!.GetValue<string>(), Is.EqualTo("MyMotionDetectorRule"));
        Assert.That(motion["data"]!["IsMotion"]!.GetValue<string>(), Is.EqualTo("true"));

        Assert.That(await Eventually.True(() => Task.FromResult(_hook.Received.Count > 0), 5), Is.True, "the webhook got the event");
        (byte[] Body, string Signature, DateTime At) delivered;
        lock (_hook.Received)
        {
            delivered = _hook.Received[^1];
        }
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), delivered.Body));
        Assert.That(delivered.Signature, Is.EqualTo(expected), "signed with HMAC-SHA256 of the body under the secret");
        Assert.That(delivered.Signature, Is.Not.EqualTo("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("another secret"), delivered.Body))));
        var body = JsonNode.Parse(delivered.Body)!;
        Assert.That((body["id"]!.GetValue<long>(), body["kind"]!.GetValue<string>(), body["camera"]!.GetValue<string>()),
            Is.EqualTo((motion["id"]!.GetValue<long>(), "motion", Rig.CameraName)));

        await RaiseAsync("tamper");
        await RaiseAsync("input");
        Assert.That((await ListAsync("?kind=tamper")).Select(e => e!["kind"]!.GetValue<string>()), Is.EqualTo(new[] { "tamper" }));
        Assert.That((await ListAsync("?kind=input")).Single()!["data"]!["LogicalState"]!.GetValue<string>(), Is.EqualTo("true"));
        Assert.That(await ListAsync("?limit=1&offset=1"), Has.Count.EqualTo(1), "paged");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.That(await ListAsync($"?from={now - 3_600_000}&to={now - 1_800_000}"), Is.Empty, "by time");
        var badKind = await Admin.GetAsync(Events + "?kind=fire");
        Assert.That((badKind.Status, badKind.Error), Is.EqualTo((HttpStatusCode.BadRequest, "kind must be one of motion, tamper, input")));
        var (stranger, _) = await Portal.UserAsync(Admin, Fixtures.Unique("stranger"));
        Assert.That((await stranger.GetAsync(Events)).Status, Is.EqualTo(HttpStatusCode.NotFound), "events have the rights of live");
        Assert.That(Portal.Log.Text, Does.Not.Contain(CameraBehindAgent.CameraPassword));
    }

    [Test, Order(2)]
    public async Task HostilePullAnswersAreRefusedAndTheSubscriptionRetriedWithBackoff()
    {
        Assert.That(await SubscribedAsync(1), Is.True);
        // An endless answer costs the pull in progress (up to 10 s), then 15 s, and one silent retry on a new tunnel: up to 40 s.
        using var restore = new Restore(() => Rig.Camera.Events.Behaviour = "normal");
        foreach (var (behaviour, reason) in new[] { ("dtd", "PullMessages: DTD prohibited"), ("huge", "PullMessages: the answer is more than the 1048576 bytes allowed"), ("endless", "PullMessages: no complete answer within 15 s") })
        {
            var subscribed = Rig.Camera.Events.Subscribed;
            Rig.Camera.Events.Behaviour = behaviour;
            Assert.That(await Eventually.True(() => Task.FromResult(Portal.Log.Text.Contains(reason, StringComparison.Ordinal)), 70), Is.True, behaviour + "\n" + Portal.Log.Text);
            Assert.That(Portal.Log.Text, Does.Match($"camera '{Rig.CameraName}': event subscription failed \\(camera '{Rig.CameraName}'[^\\n]*{System.Text.RegularExpressions.Regex.Escape(reason)}\\); again in [0-9.]+ s"));
            Rig.Camera.Events.Behaviour = "normal";
            Assert.That(await SubscribedAsync(subscribed + 1), Is.True, "subscribed again after " + behaviour);
        }
        // A PullPoint gets only what happens after it is made: raise until one lands, as motion goes on.
        var before = (await ListAsync("?limit=1000")).Count;
        Assert.That(await Eventually.True(async () =>
        {
            Rig.Camera.Events.Raise("motion");
            await Task.Delay(1500);
            return (await ListAsync("?limit=1000")).Count > before;
        }, 60), Is.True, "events flow again once the camera answers well\n" + Portal.Log.Text);
    }

    [Test, Order(3)]
    public async Task TheSubscriptionComesBackAfterTheAgentReconnects()
    {
        Assert.That(await SubscribedAsync(1), Is.True);
        var subscribed = Rig.Camera.Events.Subscribed;
        await Rig.RestartAgentAsync();
        Assert.That(await Rig.ConnectedAsync(Admin), Is.True, "the agent is back\n" + Rig.Agent.Log);
        Assert.That(await SubscribedAsync(subscribed + 1), Is.True, "a new subscription through the new session");
        var (_, took) = await RaiseAsync("motion", 30);
        Assert.That(took, Is.LessThan(TimeSpan.FromSeconds(2)), "once subscribed again, as fast as before");
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
