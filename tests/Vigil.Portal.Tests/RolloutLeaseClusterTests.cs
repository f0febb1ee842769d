using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Rollouts;
using Vigil.Protocol.Releases;

namespace Vigil.Portal.Tests;

/// <summary>
/// Two portal instances on one PostgreSQL: one drives the rollouts (its lease row), never both;
/// when that one stops the other takes the lease and drives the same rollout to its end.
/// </summary>
public sealed class RolloutLeaseClusterTests
{
    [Test]
    public async Task OneInstanceDrivesTheRolloutsAndAnotherTakesOver()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        void Configure(PortalOptions o)
        {
            o.ReleaseKeys = Convert.ToBase64String(ReleaseFormat.PublicKey(key));
            o.DataDir = Directory.CreateTempSubdirectory("vigil-portal-data-").FullName;
            o.RolloutTickSeconds = 0.2;
        }
        var first = await PortalServer.StartAsync(TestDatabases.Postgres, Configure);
        var second = await PortalServer.StartAsync(TestDatabases.Postgres, Configure, sharing: first);
        try
        {
            using var admin = await first.AdminAsync();
            using var node = await Fixtures.RelayNodeAsync(first, admin, Fixtures.Unique("lease-node"));
            var (id, publicKey) = Fixtures.NewDeviceKey();
            Assert.That((await node.PostJsonAsync("/internal/v1/hello", new { device_id = id, public_key = publicKey, serial = "LEASE-1", agent_version = "0.1.0", rid = "linux-x64" })).Status,
                Is.EqualTo(HttpStatusCode.OK));
            await admin.PostJsonAsync($"/api/v1/devices/{id}/approve", new { });
            var binary = RandomNumberGenerator.GetBytes(10_000);
            using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/releases") { Content = new ByteArrayContent([.. ReleaseFormat.Sign(key, "0.2.0", "linux-x64", binary), .. binary]) };
            var release = (await admin.SendAsync(upload)).Json!["id"]!.GetValue<long>();

            bool[] Leading() => [.. new[] { first, second }.Select(p => p.Services.GetRequiredService<RolloutDriver>().Leading)];
            Assert.That(await Eventually.True(() => Task.FromResult(Leading().Count(l => l) == 1), 10), Is.True, "one instance takes the lease");
            var rollout = await admin.PostJsonAsync("/api/v1/rollouts", new { release_id = release, target = "device", device = id, come_back_seconds = 10 });
            Assert.That(rollout.Status, Is.EqualTo(HttpStatusCode.Created), rollout.Text);
            for (var i = 0; i < 10; i++)
            {
                Assert.That(Leading().Count(l => l), Is.LessThanOrEqualTo(1), "never both");
                await Task.Delay(100);
            }

            var leader = Leading()[0] ? first : second;
            var other = leader == first ? second : first;
            if (leader == first)
            {
                first = null!;
            }
            else
            {
                second = null!;
            }
            await leader.DisposeAsync();
            Assert.That(await Eventually.True(() => Task.FromResult(other.Services.GetRequiredService<RolloutDriver>().Leading), 30), Is.True,
                "the other instance takes the lease once the first lets it go\n" + other.Log.Text);
            using var survivor = await other.AdminAsync();
            var path = $"/api/v1/rollouts/{rollout.Json!["rollout"]!["id"]}";
            Assert.That(await Eventually.True(async () => (await survivor.GetAsync(path)).Json!["rollout"]!["state"]!.GetValue<string>() == "halted", 30), Is.True,
                "the survivor drives the rollout on: its device never came back, so it halts\n" + other.Log.Text);
        }
        finally
        {
            if (first is not null)
            {
                await first.DisposeAsync();
            }
            if (second is not null)
            {
                await second.DisposeAsync();
            }
        }
    }
}
