namespace Vigil.Build;

/// <summary>
/// `cross-check`: where each camera build stands on this machine. For every target: whether the
/// feeds hold its NativeAOT packages (what `publish-agent --rid` needs), and whether its
/// toolchain (driver, linker, sysroot, emulator) links and runs a probe the way the agent is linked.
/// </summary>
internal static class CrossCheck
{
    public static int Run(string[] args)
    {
        var rid = Options.Value(args, "--rid");
        var targets = rid is null ? CrossTarget.All : [CrossTarget.Find(rid)];
        var sources = NuGetFeeds.Sources();
        var rows = new List<(string Rid, string Feed, string Toolchain)>();
        var failed = false;
        foreach (var target in targets)
        {
            var missing = NuGetFeeds.MissingAotPackages(target.Rid);
            var feed = missing.Count == 0 ? "packages on the feed" : NuGetFeeds.MissingMessage(target, missing, sources);
            string toolchain;
            try
            {
                toolchain = Toolchains.ProbeToolchain(target);
            }
            catch (BuildException e)
            {
                failed = true;
                toolchain = $"FAILED: {e.Message}";
            }
            rows.Add((target.Rid, feed, toolchain));
        }
        foreach (var (r, feed, toolchain) in rows)
        {
            Console.WriteLine($"{r}\n  feed:      {feed}\n  toolchain: {toolchain}");
        }
        return failed ? 1 : 0;
    }
}
