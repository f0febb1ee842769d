using System.Diagnostics;
using System.Text.Json.Nodes;
using Vigil.Stack;

namespace Vigil.Web.Tests;

/// <summary>
/// Runs one browser scenario of portal-web/e2e in Node: playwright-core drives Debian's Chromium
/// (/usr/bin/chromium, no downloaded browser). The scenario prints what it observed as one
/// "RESULT {json}" line; the tests assert on that.
/// </summary>
public static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    /// <param name="extra">More for the scenario to read, beside the stack's own config.</param>
    public static Task<JsonObject> RunAsync(WebStack stack, string scenario, TimeSpan? timeout = null, JsonObject? extra = null)
    {
        var config = stack.Config();
        foreach (var (key, value) in extra ?? [])
        {
            config[key] = value?.DeepClone();
        }
        return RunAsync(scenario, config, timeout);
    }

    /// <summary>Runs a scenario on a config of the caller's (a suite with a stack of its own).</summary>
    /// <param name="wrapper">a command that runs Node, e.g. ["ip", "netns", "exec", "NS"] for a browser in a network namespace.</param>
    public static async Task<JsonObject> RunAsync(string scenario, JsonObject config, TimeSpan? timeout = null, IReadOnlyList<string>? wrapper = null)
    {
        var root = Repository.Root;
        if (!File.Exists(Chromium))
        {
            Assert.Fail($"{Chromium} is missing: ./build.sh test installs Debian's chromium");
        }
        var e2e = Path.Combine(root, "portal-web", "e2e");
        if (!Directory.Exists(Path.Combine(root, "portal-web", "node_modules", "playwright-core")))
        {
            Assert.Fail("portal-web/node_modules lacks playwright-core: ./build.sh build or ./build.sh test run npm ci there");
        }
        Directory.CreateDirectory(Path.Combine(root, "artifacts", "screenshots"));
        string[] command = [.. wrapper ?? [], "node", Path.Combine(e2e, scenario + ".mjs")];
        var psi = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = e2e,
        };
        psi.Environment["VIGIL_WEB_CONFIG"] = config.ToJsonString();
        using var node = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node");
        var stderr = node.StandardError.ReadToEndAsync();
        var stdout = node.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await node.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            Assert.Fail($"{scenario} did not finish in time\n{await stdout}\n{await stderr}");
        }
        var output = await stdout;
        var log = $"{scenario} (exit {node.ExitCode}):\n{output}\n{await stderr}";
        TestContext.Out.WriteLine(log);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, log);
        return JsonNode.Parse(line!["RESULT ".Length..])!.AsObject();
    }
}
