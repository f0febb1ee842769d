using System.Text.RegularExpressions;
using Vigil.Build;

namespace Vigil.Firmware.Tests;

/// <summary>docs/architecture.md stays true of the tree: what it names exists, and it names every project.</summary>
[TestFixture]
public sealed partial class ArchitectureDocTests
{
    private static string Doc => File.ReadAllText(Path.Combine(Paths.Root, "docs", "architecture.md"));

    private static IEnumerable<string> NamedPaths() =>
        CodeSpan().Matches(Doc).Select(m => m.Groups[1].Value).Where(p => p.Contains('/', StringComparison.Ordinal) && !p.Contains(' ', StringComparison.Ordinal)).Distinct();

    [Test]
    public void EveryFolderAndFileItNamesExists()
    {
        var named = NamedPaths().ToList();
        Assert.That(named, Has.Count.GreaterThan(40), "the document names the folders and files it describes in backticks");
        var missing = named.Where(p => !Directory.Exists(Path.Combine(Paths.Root, p)) && !File.Exists(Path.Combine(Paths.Root, p))).ToList();
        Assert.That(missing, Is.Empty, "named in docs/architecture.md but not in the tree");
    }

    [Test]
    public void ItNamesTheFolderOfEveryProject()
    {
        var named = NamedPaths().Select(p => p.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        var projects = Directory.EnumerateFiles(Paths.Root, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Paths.Root, Path.GetDirectoryName(p)!).Replace('\\', '/'))
            .Where(p => !p.StartsWith("artifacts/", StringComparison.Ordinal) && !p.Contains("node_modules", StringComparison.Ordinal))
            .ToList();
        Assert.That(projects, Is.Not.Empty);
        // A test project may be named by its area's folder; the product, benchmark and build projects by their own.
        var unnamed = projects.Where(p => !named.Contains(p) && !(p.StartsWith("tests/", StringComparison.Ordinal) && named.Contains("tests"))).ToList();
        Assert.That(unnamed, Is.Empty, "projects that docs/architecture.md does not place");
    }

    [Test]
    public void ItSaysWhichFoldersAreTheProductAsTheDependencyCheckDoes()
    {
        var product = Doc[Doc.IndexOf("- **Product**", StringComparison.Ordinal)..];
        product = product[..product.IndexOf("\n- ", 2, StringComparison.Ordinal)];
        foreach (var folder in DependencyCheck.ProductFolders)
        {
            Assert.That(product, Does.Contain(folder + "/"), $"the dependency check treats {folder}/ as product code");
        }
        foreach (var folder in DependencyCheck.NonProductFolders)
        {
            Assert.That(product, Does.Not.Contain($"`{folder}/`"));
        }
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
