using System.Runtime.InteropServices;

namespace Vigil.Agent;

/// <summary>
/// Writes a file so that a power cut leaves the old content or the new, never half of it: a temporary
/// file made with mode 0600, synced, renamed over the target, then the directory synced.
/// </summary>
/// <remarks>
/// The temporary file is written with open/write/fsync directly rather than a FileStream: FileStream
/// brings its buffering and async strategies into the binary (some 70 KB with SystemRandom's use),
/// for one write of a few hundred bytes. Failures raise the exceptions FileStream raised, with the
/// same messages.
/// </remarks>
internal static partial class AtomicFile
{
    // open(2) flags as Linux defines them on x64, arm and arm64 (the asm-generic values).
    private const int O_WRONLY = 0x1;
    private const int O_CREAT = 0x40;
    private const int O_TRUNC = 0x200;
    private const int O_CLOEXEC = 0x80000;
    private const int OwnerReadWrite = 0x180; // 0600

    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int EINTR = 4;
    private const int EBADF = 9;
    private const int ENOTDIR = 20;
    private const int EACCES = 13;
    private const int EINVAL = 22;
    private const int EROFS = 30;
    private const int ENAMETOOLONG = 36;

    /// <param name="durable">
    /// False for a file that is rewritten often and may come back older after a power cut (the status
    /// file): readers still see the old content or the new, but nothing is synced to the storage, which
    /// on a camera is flash.
    /// </param>
    public static void Write(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            WriteNew(temp, content, durable);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            throw;
        }
        if (durable)
        {
            SyncDirectory(dir);
        }
    }

    /// <summary>Creates or truncates <paramref name="path"/> with mode 0600, writes the content and, when durable, syncs it.</summary>
    private static unsafe void WriteNew(string path, ReadOnlySpan<byte> content, bool durable)
    {
        int fd;
        while ((fd = Open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, OwnerReadWrite)) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw ErrorFor(errno, path, creating: true);
            }
        }
        try
        {
            fixed (byte* start = content)
            {
                var p = start;
                var left = content.Length;
                while (left > 0)
                {
                    var n = WriteFd(fd, p, (nuint)left);
                    if (n < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == EINTR)
                        {
                            continue;
                        }
                        throw ErrorFor(errno, path, creating: false);
                    }
                    p += n;
                    left -= (int)n;
                }
            }
            // As FileStream.Flush(true): file systems that cannot sync (EROFS, EINVAL) are not an error.
            if (durable && Fsync(fd) < 0 && Marshal.GetLastPInvokeError() is var e && e is not (EROFS or EINVAL))
            {
                throw ErrorFor(e, path, creating: false);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// The exception the framework raises for an errno on a file (Interop.GetExceptionForIoErrno), so that
    /// callers catch and log the same thing. The messages are the resource keys the framework prints
    /// with UseSystemResourceKeys, which the AOT profile sets.
    /// </summary>
    private static Exception ErrorFor(int errno, string path, bool creating) => errno switch
    {
        // Creating a file, ENOENT means a missing directory: the framework blames the directory too, and
        // treats a path through a file (ENOTDIR) the same way.
        ENOENT or ENOTDIR when creating => new DirectoryNotFoundException($"IO_PathNotFound_Path, {path}"),
        ENOENT or ENOTDIR => new FileNotFoundException($"IO_FileNotFound_FileName, {path}", path),
        EACCES or EBADF or EPERM => new UnauthorizedAccessException($"UnauthorizedAccess_IODenied_Path, {path}"),
        ENAMETOOLONG => new PathTooLongException($"IO_PathTooLong_Path, {path}"),
        _ => new IOException($"{Marshal.GetPInvokeErrorMessage(errno)} : '{path}'", errno),
    };

    /// <summary>Syncs an open file to the storage; file systems that cannot sync (EROFS, EINVAL) are not an error.</summary>
    public static void Sync(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        if (Fsync((int)file.DangerousGetHandle()) < 0 && Marshal.GetLastPInvokeError() is var e && e is not (EROFS or EINVAL))
        {
            throw new IOException($"{Marshal.GetPInvokeErrorMessage(e)} : fsync", e);
        }
    }

    private static void SyncDirectory(string dir)
    {
        var fd = Open(dir, 0 /* O_RDONLY */);
        if (fd >= 0)
        {
            _ = Fsync(fd);
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteFd(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
