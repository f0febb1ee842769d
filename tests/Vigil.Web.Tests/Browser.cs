using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Vigil.Web.Tests;

/// <summary>
/// Runs one browser scenario of portal-web/e2e in Node: playwright-core drives Debian's Chromium
/// (/usr/bin/chromium, no downloaded browser). The scenario prints what it observed as one
/// "RESULT {json}" line; the tests assert on that.
/// </summary>
internal static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    public static async Task<JsonObject> RunAsync(WebStack stack, string scenario, TimeSpan? timeout = null, JsonObject? config = null)
    {
        if (!File.Exists(Chromium))
        {
            Assert.Fail($"{Chromium} is missing: ./build.sh test installs Debian's chromium");
        }
        var e2e = Path.Combine(stack.Root, "portal-web", "e2e");
        if (!Directory.Exists(Path.Combine(stack.Root, "portal-web", "node_modules", "playwright-core")))
        {
            Assert.Fail("portal-web/node_modules lacks playwright-core: ./build.sh build or ./build.sh test run npm ci there");
        }
        Directory.CreateDirectory(stack.Screenshots);
        var psi = new ProcessStartInfo("node", [Path.Combine(e2e, scenario + ".mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = e2e,
        };
        psi.Environment["VIGIL_WEB_CONFIG"] = (config ?? stack.Config()).ToJsonString();
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
