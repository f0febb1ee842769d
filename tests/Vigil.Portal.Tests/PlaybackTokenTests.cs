using System.Security.Cryptography;
using Vigil.Portal.Playback;

namespace Vigil.Portal.Tests;

public sealed class PlaybackTokenTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private const long Now = 1_790_000_000;

    private static PlaybackTokenStatus Verify(string token, string camera = "cam-1", long now = Now) =>
        PlaybackToken.Verify(Key, token, camera, now, out _);

    [Test]
    public void AnIssuedTokenSaysWhoWhatAndUntilWhen()
    {
        var token = PlaybackToken.Issue(Key, 42, "cam-1", PlaybackKind.Dvr, Now, Now + 600, Now - 3600, Now - 60);
        Assert.That(token, Does.StartWith("pt1."));
        Assert.That(PlaybackToken.Verify(Key, token, "cam-1", Now, out var claims), Is.EqualTo(PlaybackTokenStatus.Valid));
        Assert.That(claims, Is.EqualTo(new PlaybackClaims(42, PlaybackKind.Dvr, Now, Now + 600, Now - 3600, Now - 60)));
        Assert.That(token, Does.Not.Contain("+").And.Not.Contain("/").And.Not.Contain("="), "base64url: it goes into URLs as it is");
    }

    [Test]
    public void ATokenForAnotherCameraOrPastItsExpiryIsRefused()
    {
        var token = PlaybackToken.Issue(Key, 42, "cam-1", PlaybackKind.Live, Now, Now + 600);
        Assert.That(Verify(token, "cam-2"), Is.EqualTo(PlaybackTokenStatus.OtherCamera));
        Assert.That(Verify(token, "cam-1x"), Is.EqualTo(PlaybackTokenStatus.OtherCamera));
        Assert.That(Verify(token, now: Now + 600), Is.EqualTo(PlaybackTokenStatus.Expired));
        Assert.That(Verify(token, now: Now + 599), Is.EqualTo(PlaybackTokenStatus.Valid));
    }

    [Test]
    public void AChangedOrForeignTokenIsForged()
    {
        var token = PlaybackToken.Issue(Key, 42, "cam-1", PlaybackKind.Live, Now, Now + 600);
        var foreign = PlaybackToken.Issue(RandomNumberGenerator.GetBytes(32), 42, "cam-1", PlaybackKind.Live, Now, Now + 600);
        Assert.That(Verify(foreign), Is.EqualTo(PlaybackTokenStatus.Forged));

        // Another user's id, or a later expiry, under the original signature.
        var parts = token.Split('.');
        foreach (var payload in new[] { $"43|cam-1|l|{Now}|{Now + 600}|0|0", $"42|cam-1|l|{Now}|{Now + 999_999}|0|0", $"42|cam-1|d|{Now}|{Now + 600}|0|0" })
        {
            var tampered = $"pt1.{System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.ASCII.GetBytes(payload))}.{parts[2]}";
            Assert.That(Verify(tampered), Is.EqualTo(PlaybackTokenStatus.Forged), payload);
        }
        var flipped = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        Assert.That(Verify(flipped), Is.EqualTo(PlaybackTokenStatus.Forged));
    }

    [TestCase("")]
    [TestCase("pt1.")]
    [TestCase("pt1.abc")]
    [TestCase("pt2.YWJj.YWJj")]
    [TestCase("pt1.!!!!.YWJj")]
    [TestCase("pt1.YWJj.short")]
    [TestCase("pub1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void AnythingNotShapedLikeATokenIsMalformed(string token) =>
        Assert.That(Verify(token), Is.EqualTo(PlaybackTokenStatus.Malformed));

    [Test]
    public void LengthsAreCapped()
    {
        Assert.That(Verify("pt1." + new string('A', PlaybackToken.MaxLength) + ".AAAA"), Is.EqualTo(PlaybackTokenStatus.Malformed));
        Assert.That(() => PlaybackToken.Issue(Key, 1, new string('c', 300), PlaybackKind.Live, Now, Now + 1), Throws.ArgumentException);
    }
}
