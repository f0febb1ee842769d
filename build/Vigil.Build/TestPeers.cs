namespace Vigil.Build;

/// <summary>
/// The real programs the tests talk to. A fresh machine has none of them: as root they are
/// installed with apt-get; otherwise the target says what to install.
/// </summary>
internal static class TestPeers
{
    /// <summary>Debian package and a file it installs, to tell whether it is there.</summary>
    private static readonly (string Package, string Probe)[] Packages =
    [
        ("tinyproxy", "/usr/bin/tinyproxy"),
        ("postgresql", "/usr/bin/pg_ctlcluster"),
        ("nginx", "/usr/sbin/nginx"),
        ("libnginx-mod-rtmp", "/usr/lib/nginx/modules/ngx_rtmp_module.so"),
        ("wrk", "/usr/bin/wrk"),
        // The scanner's tests build network namespaces, veth pairs, a bridge and a macvlan.
        ("iproute2", "/sbin/ip"),
        ("ffmpeg", "/usr/bin/ffmpeg"),
    ];

    public static void Ensure()
    {
        var missing = Packages.Where(p => !File.Exists(p.Probe)).Select(p => p.Package).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        if (Environment.UserName != "root" || !Shell.Exists("apt-get"))
        {
            throw new BuildException($"the tests need these Debian packages: {string.Join(' ', missing)} (sudo apt-get install {string.Join(' ', missing)})");
        }
        Console.WriteLine($"installing test peers: {string.Join(' ', missing)}");
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        Shell.Run("apt-get", ["update", "-qq"], env);
        Shell.Run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", .. missing], env);
    }
}
