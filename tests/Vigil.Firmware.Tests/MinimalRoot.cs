using System.Diagnostics;
using Vigil.Build;
using Vigil.Relay.Tests;

namespace Vigil.Firmware.Tests;

/// <summary>
/// A root filesystem for chroot that looks like camera firmware: the C library and loader the
/// agent needs, and optionally busybox-static as /bin/sh with its applets and a busybox-style
/// /etc/init.d/rcS. Nothing else: no libssl, libcrypto, libicu or libstdc++, no /proc.
/// </summary>
internal sealed class MinimalRoot
{
    private MinimalRoot(string path) => Path = path;

    public string Path { get; }

    /// <summary>The libraries that must never be in a root the agent is tested in.</summary>
    public const string AbsentLibraries = "libssl|libcrypto|libicu|libstdc";

    public static MinimalRoot Create(bool busybox)
    {
        var root = Empty();
        foreach (var lib in NeededLibraries(TestEnv.Agent))
        {
            root.CopyIn(new FileInfo(lib).ResolveLinkTarget(true)?.FullName ?? lib, lib);
        }
        root.AddDirectories();
        if (busybox)
        {
            root.InstallBusybox("/bin/busybox", []);
        }
        return root;
    }

    /// <summary>
    /// An arm64 camera's root: the arm64 C library and loader the linux-arm64 agent names (from
    /// Debian's cross packages), Debian's arm64 busybox-static as its shell and applets. Its
    /// programs run through qemu-user (see <see cref="EmulatedArm64"/>).
    /// </summary>
    public static MinimalRoot CreateArm64(string agent)
    {
        var target = CrossTarget.Find("linux-arm64");
        var root = Empty();
        foreach (var lib in NeededArm64Libraries(agent))
        {
            var source = System.IO.Path.Combine(target.Sysroot, "lib", lib);
            root.CopyIn(new FileInfo(source).ResolveLinkTarget(true)?.FullName ?? source, "/lib/" + lib);
        }
        root.AddDirectories();
        root.InstallBusybox(ForeignBusybox.Ensure(target), [target.Qemu!]);
        return root;
    }

    private static MinimalRoot Empty()
    {
        var root = new MinimalRoot(TestEnv.TempDir());
        // The temporary directory is 0700; a root that processes of other users can use is 0755.
        File.SetUnixFileMode(root.Path, (UnixFileMode)0b111_101_101);
        return root;
    }

    private void AddDirectories()
    {
        foreach (var dir in new[] { "etc", "tmp", "var/run", "var/log", "var/lib", "dev" })
        {
            Directory.CreateDirectory(Combine(dir));
        }
        File.SetUnixFileMode(Combine("tmp"), (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
    }

    public string Combine(string path) => System.IO.Path.Combine(Path, path.TrimStart('/'));

    public void CopyIn(string source, string path, UnixFileMode? mode = null)
    {
        var target = Combine(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        File.Copy(source, target, overwrite: true);
        if (mode is { } m)
        {
            File.SetUnixFileMode(target, m);
        }
    }

    public void Write(string path, string text, UnixFileMode? mode = null)
    {
        var target = Combine(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        File.WriteAllText(target, text);
        if (mode is { } m)
        {
            File.SetUnixFileMode(target, m);
        }
    }

    /// <summary>The file names anywhere in the root, to assert what is not there.</summary>
    public List<string> FileNames() =>
        [.. Directory.GetFiles(Path, "*", SearchOption.AllDirectories).Select(f => System.IO.Path.GetFileName(f))];

    /// <summary>Runs a command inside the root with a clean environment; returns its exit code and output.</summary>
    public (int Code, string Output) Run(TimeSpan timeout, params string[] command) => Processes.Run(timeout, "chroot", [Path, .. command], CleanEnvironment);

    /// <summary>
    /// Runs <paramref name="command"/> (exec'd, so its pid is the process's) chrooted into this root
    /// mounted read-only, with <paramref name="stateDir"/> of the host bound over its
    /// /var/lib/vigil-agent, as firmware mounts a data partition there; in a mount namespace of its
    /// own, so the mounts vanish with the process whatever happens. Fails with exit 99 should the
    /// root be writable after all.
    /// </summary>
    public ProcessStartInfo ReadOnlyChroot(string stateDir, params string[] command)
    {
        const string script = """
            set -e
            mount --bind "$1" "$1"
            mount -o remount,bind,ro "$1"
            mount --bind "$2" "$1/var/lib/vigil-agent"
            if chroot "$1" /bin/touch /etc/probe 2>/dev/null; then echo "the root is writable"; exit 99; fi
            root=$1
            shift 2
            exec chroot "$root" "$@"
            """;
        var psi = new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", Path, stateDir, .. command]);
        psi.Environment.Clear();
        foreach (var (k, v) in CleanEnvironment)
        {
            psi.Environment[k] = v;
        }
        return psi;
    }

    public static readonly Dictionary<string, string> CleanEnvironment = new() { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" };

    /// <summary>
    /// busybox-static as /bin/busybox, a link for each applet where busybox --list-full puts it,
    /// /dev/null, and an rcS that starts /etc/init.d/S??* as camera firmware does. <paramref name="runner"/>
    /// runs the busybox here (empty for the host's, qemu-user for another architecture's).
    /// </summary>
    private void InstallBusybox(string busybox, string[] runner)
    {
        CopyIn(busybox, "/bin/busybox", (UnixFileMode)0b111_101_101);
        var (_, list) = runner.Length == 0
            ? Processes.Run(TimeSpan.FromSeconds(10), busybox, ["--list-full"])
            : Processes.Run(TimeSpan.FromSeconds(30), runner[0], [.. runner[1..], busybox, "--list-full"]);
        foreach (var applet in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var link = Combine(applet);
            if (!File.Exists(link))
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(link)!);
                File.CreateSymbolicLink(link, "/bin/busybox");
            }
        }
        var (code, output) = Processes.Run(TimeSpan.FromSeconds(10), "mknod", ["-m", "666", Combine("/dev/null"), "c", "1", "3"]);
        Assert.That(code, Is.EqualTo(0), output);
        Write("/etc/init.d/rcS", "#!/bin/sh\n# busybox init runs this at boot: the S??* scripts in order.\nfor s in /etc/init.d/S??*; do\n  [ -x \"$s\" ] && \"$s\" start\ndone\n",
            (UnixFileMode)0b111_101_101);
    }

    /// <summary>The loader and shared objects an arm64 binary names (readelf: its interpreter and NEEDED entries).</summary>
    private static List<string> NeededArm64Libraries(string binary)
    {
        var (_, output) = Processes.Run(TimeSpan.FromSeconds(10), "readelf", ["-d", "-l", "-W", binary]);
        var libs = System.Text.RegularExpressions.Regex.Matches(output, @"(?:Shared library: \[|interpreter: /lib/)([^\]]+)\]")
            .Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.That(libs, Has.Some.EqualTo("libc.so.6").And.Some.EqualTo("ld-linux-aarch64.so.1"), output);
        return libs;
    }

    /// <summary>The shared objects the binary loads, as ldd resolves them on this machine.</summary>
    private static List<string> NeededLibraries(string binary)
    {
        var (_, output) = Processes.Run(TimeSpan.FromSeconds(10), "ldd", [binary]);
        var libs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ').FirstOrDefault(w => w.StartsWith('/')))
            .OfType<string>()
            .ToList();
        Assert.That(libs, Has.Some.Contains("libc.so"), output);
        return libs;
    }
}
