using Vigil.Stack;
using Vigil.Protocol.Tunnels;

namespace Vigil.Relay.Tests;

/// <summary>
/// vigil-relay's command line, run as the program: its help, its errors (exit 2), a bad setting
/// (exit 78), where settings come from and in which order (file, environment, command line), and
/// the key and token commands.
/// </summary>
[TestFixture]
public sealed class RelayCommandLineTests
{
    [Test]
    public async Task TheHelpNamesEverySwitchEveryCommandAndWhereElseSettingsComeFrom()
    {
        var (code, stdout, _) = await RunAsync([], "--help");
        Assert.That(code, Is.Zero);
        foreach (var item in new[]
                 {
                     "--config <FILE>", "--listen <ADDR:PORT>", "--api-listen <ADDR:PORT>", "--node-id <ID>", "--key-file <FILE>", "--api-token-file <FILE>",
                     "--heartbeat-interval <SECONDS>", "--heartbeat-timeout <SECONDS>", "--handshake-timeout <SECONDS>", "--tunnel-key <KEY>",
                     "--portal-url <URL>", "--portal-token-file <FILE>", "pubkey", "tunnel-keygen", "tunnel-token", "VIGIL_RELAY_<Key>",
                 })
        {
            Assert.That(stdout, Does.Contain(item));
        }
        Assert.That((await RunAsync([], "help")).Stdout, Is.EqualTo(stdout), "'vigil-relay help' as before");
        Assert.That((await RunAsync([], "tunnel-token", "--help")).Stdout, Does.Contain("--signing-key <FILE>").And.Contain("--ttl <SECONDS>"));
    }

    [TestCase(new[] { "--bogus", "1" }, "vigil-relay: unknown option '--bogus'")]
    [TestCase(new[] { "run", "--NoSuchSetting", "1" }, "vigil-relay: unknown option '--NoSuchSetting'")]
    [TestCase(new[] { "--listen" }, "vigil-relay: --listen needs a value")]
    [TestCase(new[] { "--listen", "--node-id", "x" }, "vigil-relay: --listen needs a value")]
    [TestCase(new[] { "--MaxStreamsPerSession" }, "vigil-relay: --MaxStreamsPerSession needs a value")]
    [TestCase(new[] { "frob" }, "vigil-relay: unexpected argument 'frob'")]
    [TestCase(new[] { "tunnel-token", "--port", "x" }, "vigil-relay: Cannot parse argument 'x' for option '--port'")]
    public async Task ABadCommandLineIsNamedOnStderrWithExitCode2(string[] args, string message)
    {
        var (code, stdout, stderr) = await RunAsync([], args);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.StartWith(message).And.EndWith("Try 'vigil-relay --help'.\n"));
    }

    [Test]
    public async Task SettingsComeFromTheFileThenTheEnvironmentThenTheCommandLine()
    {
        // A relative PortalUrl is refused by name (exit 78) before anything is started: which one is named says which source won.
        var dir = Directory.CreateTempSubdirectory("vigil-relay-cli-").FullName;
        var config = Path.Combine(dir, "relay.json");
        await File.WriteAllTextAsync(config, """{ "PortalUrl": "from-file", "PortalToken": "t" }""");
        var env = new Dictionary<string, string> { ["VIGIL_RELAY_PortalUrl"] = "from-env" };
        Assert.That(await RefusedAsync([], "--config", config), Does.Contain("PortalUrl 'from-file' is not an absolute URL"));
        Assert.That(await RefusedAsync(env, "--config", config), Does.Contain("PortalUrl 'from-env'"));
        Assert.That(await RefusedAsync(env, "--config", config, "--portal-url", "from-switch"), Does.Contain("PortalUrl 'from-switch'"));
        Assert.That(await RefusedAsync(env, "run", "--config", config, "--PortalUrl", "from-key"), Does.Contain("PortalUrl 'from-key'"));
        Assert.That(await RefusedAsync(env, "--config", config, "--portalurl=from-key-equals"), Does.Contain("PortalUrl 'from-key-equals'"));
        Assert.That(await RefusedAsync([], "--MaxStreamsPerSession", "0"), Does.Contain("MaxStreamsPerSession must be positive"));
        Directory.Delete(dir, recursive: true);
    }

    [Test]
    public async Task AKeyMadeByTunnelKeygenSignsATokenThatTheRelayVerifies()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-relay-cli-").FullName;
        var keyFile = Path.Combine(dir, "tunnel.key");
        var (code, stdout, _) = await RunAsync([], "tunnel-keygen", "--out", keyFile);
        Assert.That(code, Is.Zero);
        var publicKey = Convert.FromBase64String(stdout.Trim().Split(' ')[^1]);
        Assert.That(File.GetUnixFileMode(keyFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));

        var (signed, token, _) = await RunAsync([], "tunnel-token", "--signing-key", keyFile, "--device", "DEV1", "--port", "554", "--ttl", "60", "--subject", "installer");
        Assert.That(signed, Is.Zero);
        Assert.That(TunnelToken.Verify(token.Trim(), [publicKey], "DEV1", 554, DateTimeOffset.UtcNow, out var parsed), Is.Null, "a token the relay takes");
        Assert.That(parsed!.Subject, Is.EqualTo("installer"));
        Assert.That(parsed.ExpiresAt - parsed.IssuedAt, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(TunnelToken.Verify(token.Trim(), [publicKey], "DEV1", 80, DateTimeOffset.UtcNow, out _), Is.Not.Null, "for that port only");

        var (missing, _, error) = await RunAsync([], "tunnel-token", "--signing-key", keyFile, "--port", "554");
        Assert.That((missing, error), Is.EqualTo((78, "vigil-relay: --device ID is required\n")));
        Directory.Delete(dir, recursive: true);
    }

    private static async Task<string> RefusedAsync(Dictionary<string, string> env, params string[] args)
    {
        var (code, _, stderr) = await RunAsync(env, args);
        Assert.That(code, Is.EqualTo(78), stderr);
        return stderr;
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(Dictionary<string, string> env, params string[] args) =>
        ProgramRun.RunAsync(TestEnv.RelayDll, args, env);
}
