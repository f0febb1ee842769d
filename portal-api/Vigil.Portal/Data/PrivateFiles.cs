using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Vigil.Portal.Data;

/// <summary>
/// The portal's files hold what mints every token: the SQLite database keeps the token key, the
/// tunnel signing key and the relay nodes' API tokens; the data directory keeps the embedded relay's
/// static key and API token. None may be readable by another local user. So the process's umask is
/// 077 from its start (every file and directory it makes, SQLite's -wal and -shm included, is its
/// owner's alone from the first byte, not chmod-ed after), the database file and the data directory
/// are made 0600 and 0700 explicitly (for a portal hosted in another process, as the tests do), and
/// files an older version left readable to others are tightened at start, with a log line.
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupAndOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Sets the process's umask to 077 (octal): called first thing by vigil-portal.</summary>
    public static void RestrictUmask()
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = Umask(0b000_111_111);
        }
    }

    /// <summary>Makes a directory (and its missing parents) 0700; one that exists is left as it is (it may be shared, as /tmp is).</summary>
    public static void CreateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerDirectory);
        }
    }

    /// <summary>Makes an empty file 0600 if there is none, so that whoever writes it next (SQLite) finds it private.</summary>
    public static void CreateFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerFile;
        }
        try
        {
            using var _ = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Made by an earlier start (or another instance): Tighten looks after its mode.
        }
    }

    /// <summary>Takes group and other bits off each of these files that has any; logs each one it changed.</summary>
    public static void Tighten(IEnumerable<string> paths, ILogger log)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                continue;
            }
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupAndOthers) != 0)
            {
                File.SetUnixFileMode(path, mode & ~GroupAndOthers);
                PortalLog.FileTightened(log, path, Convert.ToString((int)mode, 8).PadLeft(4, '0'));
            }
        }
    }

    /// <summary>The SQLite database's own files: the database and the journals SQLite keeps beside it.</summary>
    public static IEnumerable<string> SqliteFiles(string database) => [database, database + "-wal", database + "-shm", database + "-journal"];

    [DllImport("libc", EntryPoint = "umask")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint Umask(uint mask);
}
