using System.Runtime.InteropServices;
using System.Text;

namespace Vigil.Agent;

/// <summary>
/// Standard output and error as plain write(2) calls on fds 1 and 2, in UTF-8. System.Console would
/// do the same job but brings terminfo parsing, key decoding and a stdin reader into the binary.
/// </summary>
internal static partial class StdIo
{
    private const int EINTR = 4;

    public static void Out(string text) => Write(1, text);

    public static void OutLine(string text) => Write(1, text + "\n");

    public static void ErrLine(string text) => Write(2, text + "\n");

    public static void Out(ReadOnlySpan<byte> bytes) => Write(1, bytes);

    private static void Write(int fd, string text) => Write(fd, Encoding.UTF8.GetBytes(text));

    private static unsafe void Write(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            var p = start;
            var left = bytes.Length;
            while (left > 0)
            {
                var n = WriteFd(fd, p, (nuint)left);
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EINTR)
                    {
                        continue;
                    }
                    return; // like Console: a closed or broken stdout/stderr is not the agent's failure
                }
                p += n;
                left -= (int)n;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteFd(int fd, byte* buffer, nuint count);
}
