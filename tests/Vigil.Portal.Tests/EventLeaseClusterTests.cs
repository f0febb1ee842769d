using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.CameraControl;

namespace Vigil.Portal.Tests;

/// <summary>
/// Two portal instances on one PostgreSQL: a camera's events are subscribed by one of them only
/// (its lease row), and when that instance stops the other takes the camera over.
/// </summary>
public sealed class EventLeaseClusterTests
{
    [Test]
    public async Task OneInstanceHoldsACameraAndAnotherTakesItOver()
    {
        var first = await PortalServer.StartAsync(TestDatabases.Postgres);
        var second = await PortalServer.StartAsync(TestDatabases.Postgres, sharing: first);
        using var admin = await second.AdminAsync();
        await using var rig = await CameraBehindAgent.StartAsync(first, admin);
        try
        {
            Assert.That(await Eventually.True(() => Task.FromResult(rig.Camera.Events.Subscriptions >= 1), 30), Is.True, first.Log.Text + second.Log.Text);
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.That(rig.Camera.Events.Subscribed, Is.EqualTo(1), "one subscription for the two instances");
            var held = new[] { first, second }.Select(p => p.Services.GetRequiredService<EventSubscriber>().Held.Count).ToArray();
            Assert.That(held.OrderBy(h => h), Is.EqualTo(new[] { 0, 1 }), "held by exactly one instance");

            var (holder, other) = held[0] == 1 ? (first, second) : (second, first);
            if (holder == second)
            {
                second = null!;
            }
            else
            {
                first = null!;
            }
            await holder.DisposeAsync();
            Assert.That(await Eventually.True(() => Task.FromResult(rig.Camera.Events.Subscribed >= 2 && other.Services.GetRequiredService<EventSubscriber>().Held.Count == 1), 45),
                Is.True, "the other instance took the camera over\n" + other.Log.Text);
            using var survivor = await other.AdminAsync();
            var path = $"/api/v1/cameras/{rig.CameraName}/events";
            Assert.That(await Eventually.True(async () =>
            {
                rig.Camera.Events.Raise("motion");
                await Task.Delay(1000);
                return (await survivor.GetAsync(path)).Json!.AsArray().Count > 0;
            }, 20), Is.True, "its events reach the database through the other instance");
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            if (first is not null)
            {
                await first.DisposeAsync();
            }
        }
    }
}
