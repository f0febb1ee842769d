using System.Net;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// The relay's release store, the one place a peer's body (up to 16 MiB) is written to the node's
/// disk: against a real relay, nothing is taken without the node's API token, a name cannot reach
/// outside the release folder, and a body that is no release is refused, not stored for a push.
/// </summary>
[TestFixture]
public sealed class ReleaseUploadAttackTests
{
    private RelayProcess _relay = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _relay = await LinkAttackRig.StartRelayAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _relay.DisposeAsync();

    private static ByteArrayContent Junk() => new(new byte[4096]);

    [Test]
    public async Task WithoutTheNodesTokenNothingIsStoredOrPushed()
    {
        using var stranger = new HttpClient { BaseAddress = _relay.Api.BaseAddress };
        Assert.That((await stranger.PutAsync("/v1/releases/agent.release", Junk())).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await stranger.PostAsync("/v1/sessions/any-device/update", new StringContent("{\"release\":\"agent.release\"}"))).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await stranger.GetAsync("/v1/updates")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [TestCase("..%2F..%2Fvigil-relay.key")]
    [TestCase("..%2frelease.release")]
    [TestCase("%2e%2e")]
    [TestCase("agent.bin")]
    [TestCase("a%00.release")]
    public async Task ANameOutsideTheReleaseFolderIsRefused(string name)
    {
        var answer = await _relay.Api.PutAsync(new Uri($"/v1/releases/{name}", UriKind.Relative), Junk());
        Assert.That((int)answer.StatusCode, Is.InRange(400, 404), await answer.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task ABodyThatIsNoReleaseIsRefusedAndCannotBePushed()
    {
        var answer = await _relay.Api.PutAsync("/v1/releases/junk.release", Junk());
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await answer.Content.ReadAsStringAsync());
        var push = await _relay.Api.PostAsync("/v1/sessions/any-device/update", new StringContent("{\"release\":\"junk.release\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.That(push.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "nothing was stored under that name");
    }
}
