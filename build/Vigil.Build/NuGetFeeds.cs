using System.Text.Json;

namespace Vigil.Build;

/// <summary>
/// Whether the configured NuGet feeds hold what a NativeAOT publish for a runtime identifier
/// restores: the host's ILCompiler package, the target's NativeAOT runtime pack (its framework and
/// runtime), its runtime pack and app host. Asked
/// by restoring a probe project with the agent's AOT profile, so that the answer comes from the
/// same NuGet.config files, credentials and SDK version as the publish itself.
/// </summary>
internal static class NuGetFeeds
{
    public sealed record Package(string Id, string Version);

    /// <summary>Throws a <see cref="BuildException"/> naming the missing package and the feeds when the restore for <paramref name="rid"/> cannot succeed.</summary>
    public static void EnsureAotPackages(CrossTarget target)
    {
        var missing = MissingAotPackages(target.Rid);
        if (missing.Count > 0)
        {
            throw new BuildException(MissingMessage(target, missing, Sources()));
        }
    }

    /// <summary>The packages the restore of a NativeAOT publish for <paramref name="rid"/> could not find.</summary>
    public static IReadOnlyList<Package> MissingAotPackages(string rid)
    {
        var dir = Path.Combine(Paths.Artifacts, "feed-probe", rid);
        Directory.CreateDirectory(dir);
        // Inside the repository, so that Directory.Build.props and any NuGet.config apply as they do to the agent.
        File.WriteAllText(Path.Combine(dir, "FeedProbe.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>$(VigilAgentTargetFramework)</TargetFramework>
                <RuntimeIdentifier>{rid}</RuntimeIdentifier>
              </PropertyGroup>
              <Import Project="{Path.Combine(Paths.Root, "crosscompile", "agent-aot.props")}" />
            </Project>
            """);
        var (code, output) = Shell.Capture("dotnet", ["restore", Path.Combine(dir, "FeedProbe.csproj"), "-nologo"], cwd: dir);
        var assets = Path.Combine(dir, "obj", "project.assets.json");
        if (!File.Exists(assets))
        {
            throw new BuildException($"the restore of the feed probe for {rid} failed before it asked the feeds:\n{output}");
        }
        var missing = ReadMissing(File.ReadAllText(assets));
        if (code != 0 && missing.Count == 0)
        {
            throw new BuildException($"the restore of the feed probe for {rid} failed:\n{output}");
        }
        return missing;
    }

    /// <summary>
    /// Reads the packages a restore could not find (NU1101: no such id, NU1102: no such version,
    /// NU1103: only prereleases) from its project.assets.json, each with the version the SDK asked for.
    /// </summary>
    internal static List<Package> ReadMissing(string assetsJson)
    {
        using var doc = JsonDocument.Parse(assetsJson);
        var root = doc.RootElement;
        var versions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("project", out var project) && project.TryGetProperty("frameworks", out var frameworks))
        {
            foreach (var framework in frameworks.EnumerateObject())
            {
                if (framework.Value.TryGetProperty("downloadDependencies", out var downloads))
                {
                    foreach (var d in downloads.EnumerateArray())
                    {
                        versions[d.GetProperty("name").GetString()!] = d.GetProperty("version").GetString()!.Trim('[', ']', ' ').Split(',')[0].Trim();
                    }
                }
            }
        }
        // The ILCompiler package of another RID is asked through a package dependency, not a download:
        // its version is the host compiler's.
        var compiler = versions.FirstOrDefault(v => v.Key.EndsWith(".Microsoft.DotNet.ILCompiler", StringComparison.OrdinalIgnoreCase)).Value;
        var missing = new List<Package>();
        if (root.TryGetProperty("logs", out var logs))
        {
            foreach (var log in logs.EnumerateArray())
            {
                var code = log.GetProperty("code").GetString();
                if (code is "NU1101" or "NU1102" or "NU1103" && log.TryGetProperty("libraryId", out var id) && id.GetString() is { } name
                    && !missing.Any(m => m.Id.Equals(name, StringComparison.OrdinalIgnoreCase)))
                {
                    var version = versions.GetValueOrDefault(name)
                        ?? (name.EndsWith(".Microsoft.DotNet.ILCompiler", StringComparison.OrdinalIgnoreCase) ? compiler : null);
                    missing.Add(new Package(name, version ?? "?"));
                }
            }
        }
        return missing;
    }

    /// <summary>The enabled package sources, as `dotnet nuget list source` prints them for the repository.</summary>
    public static IReadOnlyList<string> Sources()
    {
        var (_, output) = Shell.Capture("dotnet", ["nuget", "list", "source", "--format", "short"]);
        // One line per source: "E https://..." (enabled) or "D ..." (disabled).
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("E ", StringComparison.Ordinal)).Select(l => l[2..].Trim())];
    }

    /// <summary>The message a publish stops with: the NativeAOT runtime pack first, since it is what the binary is made of.</summary>
    internal static string MissingMessage(CrossTarget target, IReadOnlyList<Package> missing, IReadOnlyList<string> sources)
    {
        var runtime = missing.FirstOrDefault(m => m.Id.Equals(target.RuntimePackage, StringComparison.OrdinalIgnoreCase));
        var first = runtime ?? missing[0];
        var what = runtime is not null ? "the NativeAOT runtime pack" : "the package";
        var feeds = sources.Count switch
        {
            0 => "any configured feed (dotnet nuget list source names none)",
            1 => $"the feed {sources[0]}",
            _ => $"the feeds {string.Join(", ", sources)}",
        };
        var others = missing.Where(m => m != first).Select(m => $"{m.Id} {m.Version}").ToList();
        return $"{what} {first.Id} {first.Version} is not on {feeds} — publish for {target.Rid} where it is"
            + (others.Count > 0 ? $" (also missing there: {string.Join(", ", others)})" : "");
    }
}
