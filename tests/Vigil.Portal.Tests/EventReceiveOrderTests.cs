using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Data;

namespace Vigil.Portal.Tests;

/// <summary>
/// A camera's events in the order the portal stored them (?order=received, the cursor an id): a
/// poll after the last event seen gets one that came late with an earlier camera time, which the
/// list by time, asked after its newest, never gives. The events are stored through the portal's
/// own store, as its ONVIF subscriber stores them (EventsThroughAgentTests covers that path).
/// </summary>
[TestFixtureSource(typeof(TestDatabases), nameof(TestDatabases.Both))]
public sealed class EventReceiveOrderTests(string database) : PortalSuite(database)
{
    private static readonly Dictionary<string, string> None = [];

    private async Task<(string Name, long Id)> CameraAsync()
    {
        var name = Fixtures.Unique("late-cam");
        var created = await Admin.PostJsonAsync("/api/v1/cameras", new { name, stream_url = "rtsp://127.0.0.1:8554/late", dvr_depth = 1 });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        return (name, created.Json!["id"]!.GetValue<long>());
    }

    private async Task<List<long>> IdsAsync(string name, string query)
    {
        var answer = await Admin.GetAsync($"/api/v1/cameras/{name}/events?{query}");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        return answer.Json!.AsArray().Select(e => e!["id"]!.GetValue<long>()).ToList();
    }

    [Test]
    public async Task ALateEventWithAnEarlierCameraTimeComesAfterTheLastOneSeen()
    {
        var store = Portal.Services.GetRequiredService<EventStore>();
        var (name, cameraId) = await CameraAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var first = await store.AddAsync(cameraId, now - 2000, "motion", "tns1:RuleEngine/CellMotionDetector/Motion", None, None);
        var second = await store.AddAsync(cameraId, now - 1000, "tamper", "tns1:RuleEngine/TamperDetector/Tamper", None, None);
        Assert.That(await IdsAsync(name, "order=received"), Is.EqualTo(new[] { first, second }));
        Assert.That(await IdsAsync(name, $"order=received&after={second}"), Is.Empty, "nothing new yet");

        // A camera whose clock is a minute behind: its event is stored last, with the earliest time.
        var late = await store.AddAsync(cameraId, now - 61_000, "motion", "tns1:RuleEngine/CellMotionDetector/Motion", None, None);
        Assert.That(await IdsAsync(name, $"after={now - 1000}.{second}"), Is.Empty, "by camera time, after the newest seen, the late event is not there");
        Assert.That(await IdsAsync(name, $"order=received&after={second}"), Is.EqualTo(new[] { late }), "in the portal's order it is");
        Assert.That(await IdsAsync(name, ""), Is.EqualTo(new[] { late, first, second }), "the list by time still has it in its place");
        Assert.That(await IdsAsync(name, $"order=received&from={now - 30_000}"), Is.EqualTo(new[] { first, second }), "from and to still bound the camera time");
        Assert.That(await IdsAsync(name, $"order=received&kind=motion"), Is.EqualTo(new[] { first, late }), "and kind the kind");
    }

    [Test]
    public async Task TheListInTheOrderReceivedIsPagedByIdAndRefusesWhatItDidNotGive()
    {
        var store = Portal.Services.GetRequiredService<EventStore>();
        var (name, cameraId) = await CameraAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var made = new List<long>();
        foreach (var at in new[] { now - 1000, now - 5000, now - 3000 })
        {
            made.Add(await store.AddAsync(cameraId, at, "input", "tns1:Device/Trigger/DigitalInput", None, None));
        }
        var seen = new List<long>();
        string? next = $"/api/v1/cameras/{name}/events?order=received&limit=1";
        while (next is not null && seen.Count < 10)
        {
            var page = await Admin.GetAsync(next);
            Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Text);
            seen.AddRange(page.Json!.AsArray().Select(e => e!["id"]!.GetValue<long>()));
            next = PagingTests.Next(page);
            if (next is not null)
            {
                Assert.That(next, Does.Contain("order=received").And.Contain($"after={seen[^1]}"), "the next page starts after the last id");
            }
        }
        Assert.That(seen, Is.EqualTo(made), "stored order, each once");

        var badCursor = await Admin.GetAsync($"/api/v1/cameras/{name}/events?order=received&after={now}.{made[0]}");
        Assert.That(badCursor.Status, Is.EqualTo(HttpStatusCode.BadRequest), "a time cursor is not an id");
        var badOrder = await Admin.GetAsync($"/api/v1/cameras/{name}/events?order=random");
        Assert.That(badOrder.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(badOrder.Error, Does.Contain("order"));
    }
}
