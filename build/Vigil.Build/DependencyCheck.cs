using System.Xml.Linq;

namespace Vigil.Build;

/// <summary>
/// What the projects may depend on, checked before the tests run. Every package and its version is
/// named once, in Directory.Packages.props: a project that pins its own version, or takes a package
/// the file does not list, would let two parts of the system run different builds of one library
/// without anyone deciding it. And the product ships alone: a product project that references a
/// test project, the benchmarks or the stack library would carry test code (or the processes the
/// demo and the tests start) to a server. The stack library (stack/) runs the product for the demo,
/// the tests and the benchmarks: it references no test or benchmark project, so the demo carries
/// neither and the tests take their process plumbing from it rather than from the load tool.
/// </summary>
internal static class DependencyCheck
{
    /// <summary>The folders of the product's own code (what is built into what ships).</summary>
    public static readonly string[] ProductFolders = ["agent", "relay", "portal-api", "onvif", "protocol", "streamer"];

    /// <summary>The folders that no product project may reference.</summary>
    public static readonly string[] NonProductFolders = ["tests", "bench", "stack"];

    /// <summary>The folder of the stack library and the demo, and the folders its projects may not reference.</summary>
    public const string StackFolder = "stack";
    public static readonly string[] NotForStack = ["tests", "bench"];

    private static readonly string[] Skipped = ["node_modules", "bin", "obj", "artifacts", ".git"];

    /// <summary>Throws, naming each offending project and reference, when the tree breaks a rule.</summary>
    public static void Ensure(string root)
    {
        var problems = Find(root);
        if (problems.Count > 0)
        {
            throw new BuildException("dependency check failed:\n  " + string.Join("\n  ", problems) +
                "\n(package versions live in Directory.Packages.props only; product projects reference no tests/, bench/ or stack/ project; stack/ projects no tests/ or bench/ project)");
        }
    }

    /// <summary>Every broken rule in the tree under <paramref name="root"/>, one line each.</summary>
    public static IReadOnlyList<string> Find(string root)
    {
        var central = Path.Combine(root, "Directory.Packages.props");
        if (!File.Exists(central))
        {
            return [$"{central} is missing: the package versions have no single place"];
        }
        var listed = XDocument.Load(central).Descendants()
            .Where(e => e.Name.LocalName == "PackageVersion")
            .Select(e => (string?)e.Attribute("Include"))
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var file in MsBuildFiles(root))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            XDocument doc;
            try
            {
                doc = XDocument.Load(file);
            }
            catch (System.Xml.XmlException e)
            {
                problems.Add($"{relative}: not readable as MSBuild XML ({e.Message})");
                continue;
            }
            foreach (var reference in doc.Descendants().Where(e => e.Name.LocalName == "PackageReference"))
            {
                var name = (string?)reference.Attribute("Include") ?? (string?)reference.Attribute("Update");
                if (name is null)
                {
                    continue; // <PackageReference Remove="..."/> takes a package away.
                }
                if (reference.Attribute("Version") is not null || reference.Attribute("VersionOverride") is not null ||
                    reference.Elements().Any(e => e.Name.LocalName is "Version" or "VersionOverride"))
                {
                    problems.Add($"{relative}: PackageReference {name} sets its own version; name it in Directory.Packages.props instead");
                }
                if (!listed.Contains(name))
                {
                    problems.Add($"{relative}: package {name} is not listed in Directory.Packages.props");
                }
            }
            var folder = relative.Split('/')[0];
            var (kind, forbidden) = ProductFolders.Contains(folder, StringComparer.Ordinal) ? ("product", NonProductFolders)
                : folder == StackFolder ? ("stack", NotForStack)
                : ("", Array.Empty<string>());
            foreach (var target in ProjectReferences(root, file, doc))
            {
                var top = target.Split('/')[0];
                if (forbidden.Contains(top, StringComparer.Ordinal))
                {
                    problems.Add($"{relative}: the {kind} project (in {folder}/) references {target}; {kind} code may not depend on {top}/");
                }
            }
        }
        return problems;
    }

    /// <summary>What a project file references, each as a path from the root.</summary>
    private static IEnumerable<string> ProjectReferences(string root, string file, XDocument doc) =>
        doc.Descendants()
            .Where(e => e.Name.LocalName == "ProjectReference")
            .Select(e => (string?)e.Attribute("Include"))
            .OfType<string>()
            .Select(include => Path.GetRelativePath(root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, include.Replace('\\', '/')))).Replace('\\', '/'));

    private static IEnumerable<string> MsBuildFiles(string dir)
    {
        foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            if (file.EndsWith(".csproj", StringComparison.Ordinal) || file.EndsWith(".props", StringComparison.Ordinal) || file.EndsWith(".targets", StringComparison.Ordinal))
            {
                yield return file;
            }
        }
        foreach (var sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            if (Skipped.Contains(Path.GetFileName(sub), StringComparer.Ordinal))
            {
                continue;
            }
            foreach (var file in MsBuildFiles(sub))
            {
                yield return file;
            }
        }
    }
}
