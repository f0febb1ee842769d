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
            if (Shell.Run("npm", ["ci", "--no-audit", "--no-fund"], cwd: Dir, check: false) != 0)
            {
                // A registry mirror that holds only this platform's optional packages (rollup's and
                // esbuild's native builds) leaves the lock without the others, and npm ci refuses such a
                // lock. npm install takes the locked versions just the same, and --no-save leaves the lock as committed.
                Console.WriteLine("web portal: npm ci refused the lock (a registry without other platforms' optional packages); installing its versions with npm install");
                Shell.Run("npm", ["install", "--no-audit", "--no-fund", "--no-save"], cwd: Dir);
            }
        }
        Shell.Run("npm", ["run", "build"], cwd: Dir);
        Console.WriteLine($"web portal: {Path.Combine(Dir, "dist")}");
    }
}
