using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Tests;

[TestFixture]
public sealed class DeviceIdentityTests
{
    [Test]
    public void DeviceIdIs24LowercaseBase32CharactersAndDeterministic()
    {
        using var key = KeyPair.Generate();
        var id = DeviceIdentity.DeviceId(key.PublicKey);
        Assert.That(id, Does.Match("^[a-z2-7]{24}$"));
        Assert.That(DeviceIdentity.DeviceId(key.PublicKey.ToArray()), Is.EqualTo(id));
    }

    [Test]
    public void DeviceIdIsAKnownFunctionOfTheKey()
    {
        // Pinned: the id is how the relay, portal and tokens name a device, so it must never drift.
        var zero = DeviceIdentity.DeviceId(new byte[32]);
        Assert.That(zero, Does.Match("^[a-z2-7]{24}$"));
        var input = "vigil device id v1"u8.ToArray().Concat(new byte[32]).ToArray();
        var hash = new byte[32];
        Blake2s.Hash(input, hash);
        Assert.That(zero, Is.EqualTo(Base32(hash.AsSpan(0, 15))));
    }

    private static string Base32(ReadOnlySpan<byte> data)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var bits = string.Concat(data.ToArray().Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        return string.Concat(Enumerable.Range(0, bits.Length / 5).Select(i => alphabet[Convert.ToInt32(bits.Substring(i * 5, 5), 2)]));
    }

    [Test]
    public void DeviceIdsDifferAcrossKeys()
    {
        var ids = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            using var key = KeyPair.Generate();
            Assert.That(ids.Add(DeviceIdentity.DeviceId(key.PublicKey)), Is.True);
        }
        var a = new byte[32];
        var b = new byte[32];
        b[31] = 1;
        Assert.That(DeviceIdentity.DeviceId(a), Is.Not.EqualTo(DeviceIdentity.DeviceId(b)));
    }

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(33)]
    public void DeviceIdRefusesKeysThatAreNot32Bytes(int length)
    {
        Assert.Throws<ArgumentException>(() => DeviceIdentity.DeviceId(new byte[length]));
    }

    [Test]
    public void FingerprintIsEightGroupsOfFourHexDigits()
    {
        using var key = KeyPair.Generate();
        var fp = DeviceIdentity.Fingerprint(key.PublicKey);
        Assert.That(fp, Does.Match("^[0-9a-f]{4}(:[0-9a-f]{4}){7}$"));
        Assert.That(DeviceIdentity.Fingerprint(key.PublicKey), Is.EqualTo(fp));
        var hash = new byte[32];
        Blake2s.Hash(key.PublicKey, hash);
        Assert.That(fp.Replace(":", ""), Is.EqualTo(Convert.ToHexStringLower(hash.AsSpan(0, 16))));
        using var other = KeyPair.Generate();
        Assert.That(DeviceIdentity.Fingerprint(other.PublicKey), Is.Not.EqualTo(fp));
    }

    [Test]
    public void TryParseKeyAcceptsBase64AndHexOf32Bytes()
    {
        using var key = KeyPair.Generate();
        Assert.That(DeviceIdentity.TryParseKey(Convert.ToBase64String(key.PublicKey), out var fromBase64), Is.True);
        Assert.That(fromBase64, Is.EqualTo(key.PublicKey));
        Assert.That(DeviceIdentity.TryParseKey(Convert.ToHexStringLower(key.PublicKey), out var fromHex), Is.True);
        Assert.That(fromHex, Is.EqualTo(key.PublicKey));
        Assert.That(DeviceIdentity.TryParseKey(Convert.ToHexString(key.PublicKey), out var fromUpperHex), Is.True);
        Assert.That(fromUpperHex, Is.EqualTo(key.PublicKey));
        Assert.That(DeviceIdentity.TryParseKey("  " + Convert.ToBase64String(key.PublicKey) + "\n", out var trimmed), Is.True);
        Assert.That(trimmed, Is.EqualTo(key.PublicKey));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    [TestCase("not base64 at all!")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 31 bytes
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 34 bytes
    [TestCase("00000000000000000000000000000000000000000000000000000000000000")] // 31 bytes of hex
    [TestCase("000000000000000000000000000000000000000000000000000000000000000g")] // 64 chars, not hex
    [TestCase("QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ")] // 64 chars of base64 (48 bytes), not hex
    public void TryParseKeyRejectsEverythingElse(string? text)
    {
        Assert.That(DeviceIdentity.TryParseKey(text, out var key), Is.False);
        Assert.That(key.Length == 32, Is.False);
    }
}
