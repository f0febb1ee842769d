using System.Formats.Tar;
using System.IO.Compression;

namespace Vigil.Build;

/// <summary>
/// `package-agent`: the tar.gz an installer puts on a camera: the binary, a commented sample
/// config, init scripts for systemd, SysV and busybox init with the launcher they share, and install.sh (crosscompile/package).
/// </summary>
internal static class AgentPackage
{
    private const UnixFileMode Executable = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode Readable = (UnixFileMode)0b110_100_100; // 0644

    /// <summary>What goes in, from crosscompile/package, with the mode it gets (git does not keep modes everywhere).</summary>
    private static readonly (string Path, UnixFileMode Mode)[] Files =
    [
        ("install.sh", Executable),
        ("agent.conf.sample", Readable),
        ("README", Readable),
        ("init/vigil-agent.service", Readable),
        ("init/vigil-agent.sysv", Executable),
        ("init/S50vigil-agent", Executable),
        ("init/vigil-agent-launch", Executable),
    ];

    public static int Run(string[] args)
    {
        var rid = Options.Value(args, "--rid") ?? AgentPublisher.HostRid;
        var package = Make(rid);
        Console.WriteLine($"package for {rid}: {package} ({new FileInfo(package).Length:N0} bytes)");
        return 0;
    }

    /// <summary>Publishes the agent for <paramref name="rid"/> through its gates and packs it; returns the tar.gz path.</summary>
    public static string Make(string rid)
    {
        var target = CrossTarget.Find(rid);
        var binary = AgentPublisher.Publish(rid);
        // The version the binary reports, so that the name can never disagree with the contents.
        var version = AgentPublisher.RunVersion(target, binary)["vigil-agent ".Length..].Trim();
        var name = $"vigil-agent-{version}-{rid}";
        var output = Path.Combine(Paths.Artifacts, "packages", $"{name}.tar.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var source = Path.Combine(Paths.Root, "crosscompile", "package");
        var time = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH") is { Length: > 0 } epoch
            ? DateTimeOffset.FromUnixTimeSeconds(long.Parse(epoch, System.Globalization.CultureInfo.InvariantCulture))
            : DateTimeOffset.UtcNow;
        var temp = output + ".tmp";
        using (var file = File.Create(temp))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: false))
        {
            AddDirectory(tar, $"{name}/", time);
            AddDirectory(tar, $"{name}/init/", time);
            AddFile(tar, binary, $"{name}/vigil-agent", Executable, time);
            foreach (var (path, mode) in Files)
            {
                AddFile(tar, Path.Combine(source, path), $"{name}/{path}", mode, time);
            }
        }
        File.Move(temp, output, overwrite: true);
        return output;
    }

    private static void AddDirectory(TarWriter tar, string name, DateTimeOffset time) =>
        tar.WriteEntry(Owned(new UstarTarEntry(TarEntryType.Directory, name), Executable, time));

    private static void AddFile(TarWriter tar, string file, string name, UnixFileMode mode, DateTimeOffset time)
    {
        using var data = File.OpenRead(file);
        var entry = Owned(new UstarTarEntry(TarEntryType.RegularFile, name), mode, time);
        entry.DataStream = data;
        tar.WriteEntry(entry);
    }

    /// <summary>root:root, as the files are on the camera; not the build user's ids.</summary>
    private static UstarTarEntry Owned(UstarTarEntry entry, UnixFileMode mode, DateTimeOffset time)
    {
        entry.Mode = mode;
        entry.Uid = 0;
        entry.Gid = 0;
        entry.UserName = "root";
        entry.GroupName = "root";
        entry.ModificationTime = time;
        return entry;
    }
}
