using System.Diagnostics;

namespace Vigil.Scan.Tests;

/// <summary>vigil-scan's help, repeated switches and exit codes: the parts of its command line the option tests leave out.</summary>
[TestFixture]
public sealed class ScanHelpTests
{
    private static readonly string[] EveryOption =
    [
        "--timeout <SECONDS>", "--interface <NAME>", "--range <CIDR>", "--no-multicast", "--protocols <LIST>", "--no-onvif", "--follow-xaddrs",
        "--user <NAME>", "--password <PASS>", "--password-file <FILE>", "--json", "-v, --verbose", "-vv", "-h, --help",
    ];

    [Test]
    public void TheHelpNamesEveryOptionItsValueTheDefaultsAndThePasswordVariable()
    {
        using var output = new StringWriter();
        ScanArguments.WriteHelp(output);
        var help = output.ToString();
        Assert.That(help, Does.Contain("vigil-scan [options]"));
        Assert.That(help, Does.Contain("Hikvision SADP and Dahua DHDiscover"));
        foreach (var option in EveryOption)
        {
            Assert.That(help, Does.Contain(option));
        }
        Assert.That(help, Does.Contain("(default 3)").And.Contain("(default: all)").And.Contain("VIGIL_SCAN_PASSWORD"));
    }

    [TestCase("--help")]
    [TestCase("-h")]
    [TestCase("--json", "--help")]
    public void HelpIsAskedFor(params string[] args) =>
        Assert.That(ScanArguments.Parse(args, _ => null).Help, Is.True);

    [TestCase(new string[0], 0)]
    [TestCase(new[] { "-v" }, 1)]
    [TestCase(new[] { "--verbose" }, 1)]
    [TestCase(new[] { "-v", "-v" }, 2)]
    [TestCase(new[] { "-vv" }, 2)]
    [TestCase(new[] { "-v", "--json", "-vv" }, 3)]
    public void EachVerboseSwitchIsOneLevelMore(string[] args, int verbosity) =>
        Assert.That(ScanArguments.Parse(args, _ => null).Verbosity, Is.EqualTo(verbosity));

    [Test]
    public void AValueMayFollowItsOptionAfterAnEqualsSign()
    {
        var a = ScanArguments.Parse(["--timeout=1.5", "--protocols=mdns"], _ => null);
        Assert.That(a.Options.Timeout, Is.EqualTo(TimeSpan.FromSeconds(1.5)));
        Assert.That(a.Options.Protocols, Is.EqualTo(Vigil.Onvif.Scanning.ScanProtocols.Mdns));
    }

    [Test]
    public void AnOptionFollowedByAnotherHasNoValue()
    {
        var e = Assert.Throws<UsageException>(() => ScanArguments.Parse(["--user", "--json"], _ => null))!;
        Assert.That(e.Message, Is.EqualTo("--user needs a value"));
    }

    [Test]
    public void AStrayArgumentIsNamed()
    {
        var e = Assert.Throws<UsageException>(() => ScanArguments.Parse(["10.0.0.0/24"], _ => null))!;
        Assert.That(e.Message, Is.EqualTo("unexpected argument '10.0.0.0/24'"));
    }

    [Test]
    public void APasswordStartingWithAnAtSignIsThePasswordNotAFileToRead()
    {
        var a = ScanArguments.Parse(["--user", "admin", "--password", "@secret"], _ => null);
        Assert.That(a.Options.Credentials!.Password, Is.EqualTo("@secret"));
    }

    [Test]
    public async Task TheProgramPrintsHelpOnStdoutAndABadOptionOnStderrWithExitCode2()
    {
        var (helpCode, helpOut, _) = await RunAsync("--help");
        Assert.That(helpCode, Is.Zero);
        Assert.That(helpOut, Does.Contain("--password-file <FILE>"));
        var (badCode, badOut, badErr) = await RunAsync("--timeout", "0");
        Assert.That(badCode, Is.EqualTo(2));
        Assert.That(badOut, Is.Empty, "nothing on stdout: a script reading JSON sees no table");
        Assert.That(badErr, Is.EqualTo("vigil-scan: --timeout takes seconds between 0.2 and 3600, not '0'\nTry 'vigil-scan --help'.\n"));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(NetnsProcesses.ProgramPath("VigilScanDir", "vigil-scan.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}
