namespace Vigil.Build;

/// <summary>
/// Debian packages the build and the tests need on the build host. A fresh machine has none of
/// them: as root they are installed with apt-get; otherwise the caller is told what to install.
/// </summary>
internal static class Apt
{
    private static readonly Dictionary<string, string> NonInteractive = new() { ["DEBIAN_FRONTEND"] = "noninteractive" };

    /// <summary>
    /// Installs each package whose probe file is absent. <paramref name="why"/> names what needs
    /// them, for the message when they cannot be installed.
    /// </summary>
    public static void Ensure(IEnumerable<(string Package, string Probe)> packages, string why)
    {
        var missing = packages.Where(p => !File.Exists(p.Probe)).Select(p => p.Package).Distinct().ToList();
        if (missing.Count == 0)
        {
            return;
        }
        if (Environment.UserName != "root" || !Shell.Exists("apt-get"))
        {
            throw new BuildException($"{why} need these Debian packages: {string.Join(' ', missing)} (sudo apt-get install {string.Join(' ', missing)})");
        }
        Console.WriteLine($"installing for {why}: {string.Join(' ', missing)}");
        // Another apt-get on the machine holds the lock for a while; wait for it rather than fail.
        string[] wait = ["-o", "DPkg::Lock::Timeout=600"];
        Shell.Run("apt-get", [.. wait, "update", "-qq"], NonInteractive);
        Shell.Run("apt-get", [.. wait, "install", "-y", "-qq", "--no-install-recommends", .. missing], NonInteractive);
    }

    /// <summary>
    /// Downloads Debian packages of another architecture into <paramref name="dir"/> with an apt
    /// state of their own, so that the host's dpkg keeps its architectures and sources as they are
    /// (adding a foreign architecture machine-wide makes every later apt-get update fetch its
    /// indexes, and fail where the mirror's copy of them is incomplete).
    /// </summary>
    public static IReadOnlyList<string> Download(string arch, IEnumerable<string> packages, string dir)
    {
        var state = Path.Combine(dir, ".apt");
        foreach (var d in new[] { "lists/partial", "cache/archives/partial", "parts", "preferences" })
        {
            Directory.CreateDirectory(Path.Combine(state, d));
        }
        File.WriteAllText(Path.Combine(state, "status"), "");
        File.WriteAllText(Path.Combine(state, "sources.list"),
            $"deb [arch={arch} signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {DebianMirror()} {Codename()} main\n");
        string[] options =
        [
            "-o", $"Dir::State::Lists={state}/lists", "-o", $"Dir::State::status={state}/status",
            "-o", $"Dir::Cache={state}/cache", "-o", $"Dir::Etc::SourceList={state}/sources.list",
            "-o", $"Dir::Etc::SourceParts={state}/parts", "-o", $"Dir::Etc::PreferencesParts={state}/preferences",
            "-o", $"APT::Architecture={arch}", "-o", $"APT::Architectures::={arch}", "-o", "APT::Sandbox::User=root",
        ];
        Shell.Run("apt-get", [.. options, "update", "-qq"], NonInteractive);
        Shell.Run("apt-get", [.. options, "download", .. packages], NonInteractive, cwd: dir);
        return [.. packages.Select(p => Directory.GetFiles(dir, $"{p}_*_{arch}.deb").SingleOrDefault()
            ?? throw new BuildException($"apt-get download {p} ({arch}) left no .deb in {dir}"))];
    }

    /// <summary>The Debian mirror the host's own sources name (deb822 or one-line), else deb.debian.org.</summary>
    private static string DebianMirror()
    {
        var files = Directory.Exists("/etc/apt/sources.list.d") ? Directory.GetFiles("/etc/apt/sources.list.d") : [];
        foreach (var file in files.Append("/etc/apt/sources.list").Where(File.Exists))
        {
            foreach (var line in File.ReadLines(file))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var url = words.FirstOrDefault(w => w.StartsWith("http", StringComparison.Ordinal));
                if (url is not null && !line.TrimStart().StartsWith('#') && url.TrimEnd('/').EndsWith("/debian", StringComparison.Ordinal))
                {
                    return url.TrimEnd('/');
                }
            }
        }
        return "http://deb.debian.org/debian";
    }

    private static string Codename() =>
        File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("VERSION_CODENAME=", StringComparison.Ordinal))?[17..].Trim('"')
        ?? throw new BuildException("/etc/os-release names no Debian release (VERSION_CODENAME)");
}
