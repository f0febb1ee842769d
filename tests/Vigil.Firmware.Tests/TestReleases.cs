using System.Security.Cryptography;
using Vigil.Protocol.Releases;

namespace Vigil.Firmware.Tests;

/// <summary>The release key of the release tests and the signed releases they make with it.</summary>
internal static class TestReleases
{
    public static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    /// <summary>The public half, as agent.conf's release_key.</summary>
    public static string PublicKey => Convert.ToBase64String(ReleaseFormat.PublicKey(Key));

    /// <summary>A release file: the header signed with <paramref name="key"/> (the test key unless named), then the binary.</summary>
    public static byte[] Make(string version, byte[] binary, string rid = "linux-x64", byte[]? key = null) =>
        [.. ReleaseFormat.Sign(key ?? Key, version, rid, binary), .. binary];
}
