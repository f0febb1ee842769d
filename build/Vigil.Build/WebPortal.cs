namespace Vigil.Build;

/// <summary>
/// The web portal (portal-web): npm ci from the committed package-lock.json, then the type check and
/// Vite's build into portal-web/dist, which the portal's project copies into its wwwroot. Runs before
/// the portal is built, so the machine that runs vigil-portal needs no Node.js or npm.
/// </summary>
internal static class WebPortal
{
    public static string Dir => Path.Combine(Paths.Root, "portal-web");

    public static void Build()
    {
        if (!Shell.Exists("npm") || !Shell.Exists("node"))
        {
            throw new BuildException("the web portal is built with Node.js and npm (Debian: apt-get install nodejs npm); they are not on PATH");
        }
        var modules = Path.Combine(Dir, "node_modules");
        var stamp = Path.Combine(modules, ".package-lock.json");
        // npm ci wipes and reinstalls: only when the lock file changed since the last install.
        if (!File.Exists(stamp) || File.GetLastWriteTimeUtc(stamp) < File.GetLastWriteTimeUtc(Path.Combine(Dir, "package-lock.json")))
        {
            Shell.Run("npm", ["ci", "--no-audit", "--no-fund"], cwd: Dir);
        }
        Shell.Run("npm", ["run", "build"], cwd: Dir);
        Console.WriteLine($"web portal: {Path.Combine(Dir, "dist")}");
    }
}
