using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace Vigil.Attack.Tests;

/// <summary>
/// A local user on the portal's host reads its files: the SQLite database holds the token key, the
/// tunnel signing key and the relay API tokens, the data directory the embedded relay's key and
/// token. Each must be its owner's alone (0600 files, 0700 directories) from the first write, and
/// files an older version left readable are tightened at start. Checked by the real files' modes
/// and by reading them as another user (nobody) would.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretsOnDiskAttackTests
{
    private const UnixFileMode GroupAndOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Test]
    public async Task ANewPortalsDatabaseAndKeysAreReadableByItsOwnerAlone()
    {
        await using var portal = await AccountPortal.StartAsync(embeddedRelay: true);
        await portal.RelayKeyAsync();
        // Writes, so that SQLite's write-ahead log and shared memory exist beside the database.
        var created = await portal.Admin.PostAsJsonAsync("/api/v1/users", new { login = "someone", password = "some-password", role = "user" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var files = SecretFiles(portal);
        Assert.That(files.Where(File.Exists), Has.Exactly(files.Length).Items, "the database, its -wal and -shm, the relay key and token all exist:\n" + string.Join("\n", files));
        foreach (var file in files)
        {
            Assert.That(File.GetUnixFileMode(file) & GroupAndOthers, Is.EqualTo((UnixFileMode)0), $"{file} is {Mode(file)}");
        }
        foreach (var dir in new[] { Path.GetDirectoryName(portal.Database)!, portal.DataDir })
        {
            Assert.That(File.GetUnixFileMode(dir) & GroupAndOthers, Is.EqualTo((UnixFileMode)0), $"{dir} is {Mode(dir)}");
        }
        await AssertOthersCannotReadAsync(files);
    }

    [Test]
    public async Task FilesAnOlderVersionLeftReadableAreTightenedAtStartWithALogLine()
    {
        // An older portal ran here with the default umask: its database and relay files are 0644 in 0755 directories.
        string[] leftOver = [];
        await using (var old = await AccountPortal.StartAsync(embeddedRelay: true))
        {
            await old.RelayKeyAsync();
            leftOver = SecretFiles(old).Where(File.Exists).ToArray();
            await old.StopProcessAsync();
            foreach (var file in leftOver.Where(File.Exists))
            {
                File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
            }
            foreach (var dir in new[] { Path.GetDirectoryName(old.Database)!, old.DataDir })
            {
                File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
            }
            var restarted = await Vigil.Stack.PortalProcess.StartAsync(AccountPortal.PortalDll, old.Database, extraArgs:
                ["--data-dir", old.DataDir, "--embedded-relay", $"127.0.0.1:{Vigil.Stack.RelayProcess.FreePort()}", "--embedded-relay-api", $"127.0.0.1:{Vigil.Stack.RelayProcess.FreePort()}"],
                sharing: old.Process);
            await using (restarted)
            {
                foreach (var file in leftOver.Where(File.Exists))
                {
                    Assert.That(File.GetUnixFileMode(file) & GroupAndOthers, Is.EqualTo((UnixFileMode)0), $"{file} is still {Mode(file)}\n{restarted.Log}");
                }
                Assert.That(restarted.Log, Does.Contain("was readable by other local users"), "the start says what it tightened");
                await AssertOthersCannotReadAsync(leftOver.Where(File.Exists).ToArray());
            }
        }
        Assert.That(leftOver, Is.Not.Empty);
    }

    private static string[] SecretFiles(AccountPortal portal) =>
        [portal.Database, portal.Database + "-wal", portal.Database + "-shm", Path.Combine(portal.DataDir, "relay.key"), Path.Combine(portal.DataDir, "relay-api.token")];

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');

    /// <summary>As root here, the suite also tries each file as the user nobody, the way another local account would.</summary>
    private static async Task AssertOthersCannotReadAsync(string[] files)
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/sbin/runuser"))
        {
            TestContext.Out.WriteLine("not root: the modes above are the check");
            return;
        }
        foreach (var file in files)
        {
            var psi = new ProcessStartInfo("/usr/sbin/runuser", ["-u", "nobody", "--", "head", "-c", "16", file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var reader = Process.Start(psi)!;
            var read = await reader.StandardOutput.ReadToEndAsync();
            await reader.WaitForExitAsync();
            Assert.That(reader.ExitCode, Is.Not.EqualTo(0), $"nobody read {file}: {read.Length} bytes");
        }
    }
}
