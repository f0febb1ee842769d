namespace Vigil.Build;

/// <summary>
/// Debian's busybox-static of a camera build's architecture: the shell and applets of the root
/// filesystem that the installer's package is tried in under qemu-user. Fetched with apt-get
/// download under an apt state of its own, as the musl sysroots are (see <see cref="Apt.Download"/>).
/// </summary>
internal static class ForeignBusybox
{
    /// <summary>Returns the path of the target's static busybox, fetching it once into artifacts/sysroots.</summary>
    public static string Ensure(CrossTarget target)
    {
        var dir = Path.Combine(Paths.Artifacts, "sysroots", $"busybox-{target.DebianArch}");
        var binary = Path.Combine(dir, "busybox");
        if (File.Exists(binary))
        {
            return binary;
        }
        Console.WriteLine($"fetching Debian's busybox-static ({target.DebianArch})");
        var download = Path.Combine(Paths.Artifacts, "sysroots", $".debs-{target.DebianArch}");
        Directory.CreateDirectory(download);
        var deb = Apt.Download(target.DebianArch, ["busybox-static"], download).Single();
        var raw = Path.Combine(download, "busybox-unpacked");
        Shell.Run("dpkg-deb", ["-x", deb, raw]);
        Directory.CreateDirectory(dir);
        // Through a temporary name: a half-copied busybox must never pass for the fetched one (the copy keeps the .deb's 0755).
        File.Copy(Path.Combine(raw, "bin", "busybox"), binary + ".tmp", overwrite: true);
        File.Move(binary + ".tmp", binary, overwrite: true);
        Directory.Delete(raw, recursive: true);
        return binary;
    }
}
