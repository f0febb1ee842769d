namespace Vigil.Build;

/// <summary>The real programs the tests talk to or run the agent under.</summary>
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
        // Firmware tests: a busybox root like a camera's, the clock at 1970, low limits, read-only mounts.
        ("busybox-static", "/bin/busybox"),
        ("faketime", "/usr/bin/faketime"),
        ("util-linux", "/usr/bin/setpriv"),
        ("systemd", "/usr/bin/systemd-analyze"),
    ];

    public static void Ensure() => Apt.Ensure(Packages.Concat(Toolchains.HostPackages()), "the tests");
}
