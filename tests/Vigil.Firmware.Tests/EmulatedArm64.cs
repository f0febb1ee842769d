using System.Diagnostics;
using System.Globalization;

namespace Vigil.Firmware.Tests;

/// <summary>
/// A user and mount namespace of its own in which the kernel runs aarch64 binaries through
/// qemu-user: binfmt_misc, which Linux keeps per user namespace since 6.7, gets Debian's
/// qemu-aarch64 entry as qemu-user-static ships it (flags OPF: the emulator opened at registration,
/// so that it works inside a chroot that does not hold it; argv[0] preserved, which busybox's
/// applets need). A chroot into an arm64 root then runs its busybox, its init scripts and
/// the agent as a camera would, each exec of an arm64 program going through qemu, while the
/// machine's own binfmt_misc stays as it is.
/// </summary>
internal sealed class EmulatedArm64 : IDisposable
{
    private const string DebianEntry = "/usr/lib/binfmt.d/qemu-aarch64.conf";

    private readonly Process _holder;
    private readonly int _pid;

    private EmulatedArm64(Process holder, int pid) => (_holder, _pid) = (holder, pid);

    /// <summary>Makes the namespace, held open by a sleeping process until disposed.</summary>
    public static EmulatedArm64 Start()
    {
        if (!File.Exists(DebianEntry))
        {
            Assert.Fail($"qemu-user-static is not installed ({DebianEntry})");
        }
        // ":name:type:offset:magic:mask:interpreter:flags"
        var entry = File.ReadAllText(DebianEntry).Trim();
        Assert.That(entry.Split(':')[^1], Does.Contain('F'), DebianEntry);
        var psi = new ProcessStartInfo("/usr/bin/unshare", ["--user", "--map-root-user", "--mount", "--fork", "/bin/sh", "-c",
            "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && printf '%s' \"$1\" >/proc/sys/fs/binfmt_misc/register && echo \"ready $$\" && exec sleep 100000",
            "sh", entry])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var holder = Process.Start(psi)!;
        var line = holder.StandardOutput.ReadLine();
        if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            holder.WaitForExit(5000);
            Assert.Fail($"could not register qemu-aarch64 in a user namespace of its own (binfmt_misc per user namespace needs Linux 6.7): {holder.StandardError.ReadToEnd()}");
        }
        return new EmulatedArm64(holder, int.Parse(line![6..], CultureInfo.InvariantCulture));
    }

    /// <summary>Runs a command chrooted into <paramref name="root"/> inside the namespace, with a clean environment.</summary>
    public (int Code, string Output) Run(MinimalRoot root, TimeSpan timeout, params string[] command) =>
        Processes.Run(timeout, "/usr/bin/nsenter", ["-t", _pid.ToString(CultureInfo.InvariantCulture), "--user", "--mount", "--preserve-credentials", "/usr/sbin/chroot", root.Path, .. command], MinimalRoot.CleanEnvironment);

    public void Dispose()
    {
        if (!_holder.HasExited)
        {
            _holder.Kill(entireProcessTree: true);
            _holder.WaitForExit();
        }
        _holder.Dispose();
    }
}
