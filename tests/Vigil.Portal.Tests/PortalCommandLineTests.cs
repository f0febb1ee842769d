using Vigil.Stack;
using Vigil.Relay;

namespace Vigil.Portal.Tests;

/// <summary>
/// vigil-portal's command line: the switches and "--Key value" settings it reads, where settings
/// come from and in which order (file, environment, command line), its help and its errors, the
/// last run as the program itself.
/// </summary>
[TestFixture]
public sealed class PortalCommandLineTests
{
    private static string PortalDll => Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll");

    [Test]
    public void EverySwitchSetsItsOption()
    {
        var o = PortalProgram.LoadOptions([
            "--listen", "http://127.0.0.1:9", "--database", "/tmp/p.db", "--public-url", "https://p.example", "--data-dir", "/tmp/d",
            "--embedded-relay", "0.0.0.0:7443", "--embedded-relay-api", "127.0.0.1:7481", "--admin-login", "root", "--password-iterations", "20000",
            "--web-root", "/tmp/w", "--trusted-proxies", "127.0.0.1,10.0.0.0/8",
        ]);
        Assert.That((o.Listen, o.Database, o.PublicUrl, o.DataDir, o.EmbeddedRelay, o.EmbeddedRelayApi, o.AdminLogin, o.PasswordIterations, o.WebRoot, o.TrustedProxies),
            Is.EqualTo(("http://127.0.0.1:9", "/tmp/p.db", "https://p.example", "/tmp/d", "0.0.0.0:7443", "127.0.0.1:7481", "root", 20000, "/tmp/w", "127.0.0.1,10.0.0.0/8")));
    }

    [Test]
    public void ASettingWithoutASwitchIsGivenAsKeyValueAndALeadingRunChangesNothing()
    {
        var o = PortalProgram.LoadOptions(["--EnrolmentTokens:0", "a", "--EnrolmentTokens:1", "b", "--enrolmenttokenrequired=true", "--StreamerProbeSeconds", "5"]);
        Assert.That((o.EnrolmentTokens, o.EnrolmentTokenRequired, o.StreamerProbeSeconds), Is.EqualTo((new List<string> { "a", "b" }, true, 5)));
        Assert.That(PortalProgram.LoadOptions(["--listen", "http://127.0.0.1:9"]).Listen, Is.EqualTo("http://127.0.0.1:9"));
        // Given twice, the last counts: a harness passes its defaults, then the caller's own.
        Assert.That(PortalProgram.LoadOptions(["--listen", "http://127.0.0.1:9", "--data-dir", "/a", "--listen", "http://127.0.0.1:10"]).Listen, Is.EqualTo("http://127.0.0.1:10"));
    }

    [TestCase(new[] { "--bogus", "1" }, "unknown option '--bogus'")]
    [TestCase(new[] { "--listen" }, "--listen needs a value")]
    [TestCase(new[] { "--database", "--listen", "http://127.0.0.1:9" }, "--database needs a value")]
    [TestCase(new[] { "--SessionLifetimeHours" }, "--SessionLifetimeHours needs a value")]
    [TestCase(new[] { "serve" }, "unexpected argument 'serve'")]
    public void ABadCommandLineIsNamed(string[] args, string message)
    {
        var e = Assert.Throws<CommandLineException>(() => PortalProgram.LoadOptions(args))!;
        Assert.That(e.Message, Is.EqualTo(message));
    }

    [Test]
    public void ABadSettingIsNamed()
    {
        Assert.That(Assert.Throws<InvalidOperationException>(() => PortalProgram.LoadOptions(["--password-iterations", "9999"]))!.Message, Does.Contain("PasswordIterations"));
        Assert.That(Assert.Throws<FormatException>(() => PortalProgram.LoadOptions(["--trusted-proxies", "nowhere"]))!.Message, Does.Contain("'nowhere'"));
    }

    [Test]
    public async Task SettingsComeFromTheFileThenTheEnvironmentThenTheCommandLine()
    {
        // A bad TrustedProxies entry is refused by name (exit 78) before anything starts: the name says which source won.
        var dir = Directory.CreateTempSubdirectory("vigil-portal-cli-").FullName;
        var config = Path.Combine(dir, "portal.json");
        await File.WriteAllTextAsync(config, """{ "TrustedProxies": "from-file", "Database": "/nonexistent/never.db" }""");
        var env = new Dictionary<string, string> { ["VIGIL_PORTAL_TrustedProxies"] = "from-env" };
        Assert.That(await RefusedAsync([], "--config", config), Does.Contain("'from-file'"));
        Assert.That(await RefusedAsync(env, "--config", config), Does.Contain("'from-env'"));
        Assert.That(await RefusedAsync(env, "run", "--config", config, "--trusted-proxies", "from-switch"), Does.Contain("'from-switch'"));
        Assert.That(await RefusedAsync(env, "--config", config, "--TrustedProxies", "from-key"), Does.Contain("'from-key'"));
        Assert.That(await RefusedAsync([], "--config", Path.Combine(dir, "missing.json")), Does.Contain("missing.json"));
        Directory.Delete(dir, recursive: true);
    }

    [Test]
    public async Task TheProgramPrintsItsHelpAndRefusesABadCommandLineWithExitCode2()
    {
        var (code, stdout, _) = await RunAsync([], "--help");
        Assert.That(code, Is.Zero);
        foreach (var item in new[]
                 {
                     "--config <FILE>", "--listen <URL>", "--database <PATH|CONNSTRING>", "--public-url <URL>", "--data-dir <DIR>", "--embedded-relay <ADDR:PORT>",
                     "--embedded-relay-api <ADDR:PORT>", "--admin-login <LOGIN>", "--password-iterations <N>", "--web-root <DIR>", "--trusted-proxies <ADDR[,CIDR...]>",
                     "postgres:// URL", "VIGIL_PORTAL_<Key>",
                 })
        {
            Assert.That(stdout, Does.Contain(item));
        }
        Assert.That((await RunAsync([], "run", "-h")).Stdout, Does.Contain("--database <PATH|CONNSTRING>"));
        var (bad, badOut, badErr) = await RunAsync([], "--listne", "http://127.0.0.1:9");
        Assert.That((bad, badOut, badErr), Is.EqualTo((2, "", "vigil-portal: unknown option '--listne'\nTry 'vigil-portal --help'.\n")));
    }

    private static async Task<string> RefusedAsync(Dictionary<string, string> env, params string[] args)
    {
        var (code, _, stderr) = await RunAsync(env, args);
        Assert.That(code, Is.EqualTo(78), stderr);
        return stderr;
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(Dictionary<string, string> env, params string[] args) =>
        ProgramRun.RunAsync(PortalDll, args, env);
}
