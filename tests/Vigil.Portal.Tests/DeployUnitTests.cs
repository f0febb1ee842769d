using System.Diagnostics;
using System.Text.Json.Nodes;
using Vigil.Stack;
using Vigil.Relay;

namespace Vigil.Portal.Tests;

/// <summary>
/// deploy/vigil-portal and deploy/vigil-relay as an operator installs them: each sample
/// configuration names only settings the program has and is taken by the real binary (started on it,
/// with its ports and paths moved to free ones, until it answers /healthz), and each systemd unit
/// runs the installed program that docs/operations.md names, hardened like the streamer node's units.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DeployUnitTests
{
    private static readonly string Root = Repository.Root;

    private static string Deploy(string service, string file) => Path.Combine(Root, "deploy", service, file);

    [TestCase("vigil-relay", typeof(RelayOptions))]
    [TestCase("vigil-portal", typeof(PortalOptions))]
    public void TheSampleConfigurationNamesOnlySettingsTheProgramHas(string service, Type options)
    {
        // The JSON file's unknown keys are not refused by the program (as the environment's are not), so a typo here would pass silently.
        var known = options.GetProperties().Where(p => p.CanWrite).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var sample = JsonNode.Parse(File.ReadAllText(Deploy(service, $"{service}.json")))!.AsObject();
        Assert.That(sample.Select(p => p.Key), Is.Not.Empty.And.All.Matches<string>(known.Contains), $"every key of {service}.json is a setting of {options.Name}");
    }

    [TestCase("vigil-relay")]
    [TestCase("vigil-portal")]
    public void TheUnitRunsTheInstalledProgramTheDocsNameHardened(string service)
    {
        var unit = File.ReadAllLines(Deploy(service, $"{service}.service"));
        string Value(string key) => unit.Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..]).Single();

        var exec = Value("ExecStart").Split(' ');
        Assert.That(exec[..2], Is.EqualTo(new[] { "/usr/bin/dotnet", $"/opt/{service}/{service}.dll" }));
        Assert.That(File.Exists(Path.Combine(AppContext.BaseDirectory, $"{service}.dll")), Is.True, $"the build makes {service}.dll, the file the unit runs");
        Assert.That(exec[2..], Is.EqualTo(new[] { "--config", $"/etc/{service}/{service}.json" }));
        var docs = File.ReadAllText(Path.Combine(Root, "docs", "operations.md"));
        Assert.That(docs, Does.Contain($"/opt/{service}/{service}.dll").And.Contain($"/etc/{service}/{service}.json").And.Contain($"deploy/{service}/{service}.service"),
            "docs/operations.md names the installed program, its config and the unit");

        Assert.That((Value("User"), Value("Group")), Is.EqualTo((service, service)), "a user of its own");
        Assert.That((Value("NoNewPrivileges"), Value("ProtectSystem"), Value("ProtectHome"), Value("PrivateTmp")), Is.EqualTo(("true", "strict", "true", "true")));
        Assert.That((Value("StateDirectory"), Value("StateDirectoryMode"), Value("ReadWritePaths")), Is.EqualTo((service, "0700", $"/var/lib/{service}")), "secrets in an owner-only state directory");
        Assert.That(Value("UMask"), Is.EqualTo("0077"), "whatever it writes is its own alone");
        Assert.That(Value("ConfigurationDirectoryMode"), Is.EqualTo("0750"), "the configuration is not world-readable");
    }

    [Test]
    public async Task TheRelaySampleIsTakenByVigilRelay()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-deploy-relay-").FullName;
        try
        {
            var config = JsonNode.Parse(await File.ReadAllTextAsync(Deploy("vigil-relay", "vigil-relay.json")))!.AsObject();
            var api = $"127.0.0.1:{RelayProcess.FreePort()}";
            var tokenFile = Path.Combine(dir, "portal.token");
            await File.WriteAllTextAsync(tokenFile, "vr_sample\n");
            config["Listen"] = $"127.0.0.1:{RelayProcess.FreePort()}";
            config["ApiListen"] = api;
            config["KeyFile"] = Path.Combine(dir, "relay.key");
            config["ApiTokenFile"] = Path.Combine(dir, "api.token");
            // A portal that is not there: the node keeps running and retries, as with a real one that is down.
            config["PortalUrl"] = $"http://127.0.0.1:{RelayProcess.FreePort()}";
            config["PortalTokenFile"] = tokenFile;
            await AnswersAsync("vigil-relay", config, dir, $"http://{api}/healthz");
            Assert.That(File.GetUnixFileMode(Path.Combine(dir, "relay.key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the key it made is owner-only");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task ThePortalSampleIsTakenByVigilPortal()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-deploy-portal-").FullName;
        try
        {
            var config = JsonNode.Parse(await File.ReadAllTextAsync(Deploy("vigil-portal", "vigil-portal.json")))!.AsObject();
            var listen = $"http://127.0.0.1:{RelayProcess.FreePort()}";
            var relayApi = $"127.0.0.1:{RelayProcess.FreePort()}";
            config["Listen"] = listen;
            config["Database"] = Path.Combine(dir, "portal.db");
            config["DataDir"] = Path.Combine(dir, "data");
            config["EmbeddedRelay"] = $"127.0.0.1:{RelayProcess.FreePort()}";
            config["EmbeddedRelayApi"] = relayApi;
            await AnswersAsync("vigil-portal", config, dir, $"{listen}/healthz", $"http://{relayApi}/healthz");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs the program on the config until every URL answers 200, then stops it with SIGTERM; it must exit 0.</summary>
    private static async Task AnswersAsync(string service, JsonObject config, string dir, params string[] urls)
    {
        var file = Path.Combine(dir, $"{service}.json");
        await File.WriteAllTextAsync(file, config.ToJsonString());
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, $"{service}.dll"));
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(file);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            foreach (var url in urls)
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                var status = 0;
                while (status != 200 && DateTime.UtcNow < deadline && !process.HasExited)
                {
                    try
                    {
                        using var response = await http.GetAsync(url);
                        status = (int)response.StatusCode;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        await Task.Delay(200);
                    }
                }
                Assert.That(status, Is.EqualTo(200), $"{url} of {service} on its sample config; exited: {process.HasExited}");
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                // SIGTERM, as systemd stops it.
                Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
        }
        Assert.That(process.ExitCode, Is.Zero, $"{service} stopped by SIGTERM: {await stdout}{await stderr}");
    }
}
