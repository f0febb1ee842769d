using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Protocol.Releases;

namespace Vigil.Attack.Tests;

/// <summary>
/// Agent releases and rollouts decide what code runs on every camera: against a real vigil-portal
/// process, only operators and admins upload or roll out, nothing the configured release key did
/// not sign is kept, and a body past the cap is refused as it streams, not held in memory.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RolloutAttackTests
{
    private static readonly byte[] ReleaseKey = RandomNumberGenerator.GetBytes(32);
    private AttackPortal _portal = null!;
    private string _dataDir = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _dataDir = Directory.CreateTempSubdirectory("vigil-attack-rollout-data-").FullName;
        _portal = await AttackPortal.StartAsync("rollout", new Dictionary<string, string>
        {
            ["VIGIL_PORTAL_ReleaseKeys"] = Convert.ToBase64String(ReleaseFormat.PublicKey(ReleaseKey)),
            ["VIGIL_PORTAL_DataDir"] = _dataDir,
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _portal.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static byte[] Release(string version, byte[]? key = null, int size = 50_000)
    {
        var binary = RandomNumberGenerator.GetBytes(size);
        return [.. ReleaseFormat.Sign(key ?? ReleaseKey, version, "linux-x64", binary), .. binary];
    }

    private static ByteArrayContent Body(byte[] bytes) => new(bytes) { Headers = { ContentType = new("application/octet-stream") } };

    private async Task<JsonArray> StoredAsync() => (JsonNode.Parse(await _portal.Admin.GetStringAsync("/api/v1/releases")) as JsonArray)!;

    [Test]
    public async Task ANonStaffUserCannotUploadOrRollOut()
    {
        var (user, _) = await _portal.UserAsync("rollout-plain-user");
        using var anonymous = _portal.Anonymous();
        var release = Release("3.0.0");
        Assert.That((await user.PostAsync("/api/v1/releases", Body(release))).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await anonymous.PostAsync("/api/v1/releases", Body(release))).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await user.GetAsync("/api/v1/releases")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await StoredAsync(), Has.None.Matches<JsonNode?>(r => r!["version"]!.GetValue<string>() == "3.0.0"), "nothing was stored");

        // A release the admin stored: a plain user can neither roll it out nor delete it.
        using var stored = await _portal.Admin.PostAsync("/api/v1/releases", Body(Release("3.0.1")));
        Assert.That(stored.StatusCode, Is.EqualTo(HttpStatusCode.Created), await stored.Content.ReadAsStringAsync());
        var id = JsonNode.Parse(await stored.Content.ReadAsStringAsync())!["id"]!.GetValue<long>();
        Assert.That((await user.PostAsJsonAsync("/api/v1/rollouts", new { release_id = id, target = "all", downgrade = true })).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await anonymous.PostAsJsonAsync("/api/v1/rollouts", new { release_id = id, target = "all" })).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await user.DeleteAsync($"/api/v1/releases/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await user.GetAsync("/api/v1/rollouts")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(JsonNode.Parse(await _portal.Admin.GetStringAsync("/api/v1/rollouts"))!.AsArray(), Is.Empty, "no rollout was made");
        Assert.That((await _portal.Admin.DeleteAsync($"/api/v1/releases/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    public static IEnumerable<TestCaseData> Forged()
    {
        yield return new TestCaseData(Release("4.0.0", RandomNumberGenerator.GetBytes(32)), "bad_signature").SetName("a release signed by another key");
        var corrupted = Release("4.0.1");
        corrupted[^10] ^= 1;
        yield return new TestCaseData(corrupted, "hash_mismatch").SetName("a signed release whose binary was changed");
        var cut = Release("4.0.2");
        yield return new TestCaseData(cut[..^100], "truncated").SetName("a signed release cut short");
        yield return new TestCaseData(RandomNumberGenerator.GetBytes(70_000), "malformed").SetName("a bare binary, unsigned");
    }

    [TestCaseSource(nameof(Forged))]
    public async Task AReleaseTheKeyDidNotSignIsRefusedAndNotStored(byte[] body, string reason)
    {
        using var answer = await _portal.Admin.PostAsync("/api/v1/releases", Body(body));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(text, Does.Contain(reason));
        Assert.That(await StoredAsync(), Has.None.Matches<JsonNode?>(r => r!["version"]!.GetValue<string>().StartsWith("4.", StringComparison.Ordinal)));
        Assert.That(Directory.GetFiles(Path.Combine(_dataDir, "uploads")), Is.Empty, "the refused upload left no file behind");
    }

    [Test]
    public async Task ADeclaredBodyOverTheCapIsRefusedBeforeItIsRead()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/releases") { Content = new EndlessContent(64L << 20, declareLength: true) };
        using var answer = await _portal.Admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task AStreamedBodyOverTheCapIsCutWithoutBeingHeldInMemory()
    {
        const long Sent = 96L << 20; // six times the largest release
        var before = _portal.Process.ResidentBytes();
        long peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, _portal.Process.ResidentBytes());
                await Task.Delay(20);
            }
        });
        var content = new EndlessContent(Sent, declareLength: false);
        HttpStatusCode? status = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/releases") { Content = content };
            using var answer = await _portal.Admin.SendAsync(request);
            status = answer.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The portal may close the connection while the rest of the body is still being sent.
        }
        await sampling.CancelAsync();
        await sampler;
        TestContext.Out.WriteLine($"status {status}, {content.Written:N0} bytes written, portal resident {before:N0} -> peak {peak:N0}");
        Assert.That(status is null or HttpStatusCode.RequestEntityTooLarge, Is.True, $"status {status}");
        Assert.That(content.Written, Is.LessThan(Sent), "the portal stopped taking the body at its cap");
        Assert.That(peak - before, Is.LessThan(32L << 20), "the body was not held in memory");
        Assert.That(Directory.GetFiles(Path.Combine(_dataDir, "uploads")), Is.Empty, "the cut upload left no file behind");
        Assert.That((await _portal.Admin.GetAsync("/api/v1/releases")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the portal goes on");
    }

    /// <summary>A body of zeros after a valid-looking release header, written as the portal reads it.</summary>
    private sealed class EndlessContent : HttpContent
    {
        private readonly long _length;
        private readonly bool _declared;

        public EndlessContent(long length, bool declareLength)
        {
            _length = length;
            _declared = declareLength;
            Headers.ContentType = new("application/octet-stream");
        }

        public long Written { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[256 * 1024];
            "VIGILREL"u8.CopyTo(chunk);
            while (Written < _length)
            {
                await stream.WriteAsync(chunk);
                Written += chunk.Length;
                Array.Clear(chunk, 0, 8);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return _declared;
        }
    }
}
