using System.Runtime.InteropServices;

namespace Vigil.Protocol.Noise;

/// <summary>
/// Kernel randomness without System.Security.Cryptography, whose Linux implementation loads libssl,
/// which the cameras do not have. Uses getrandom(2), falling back to /dev/urandom on kernels that
/// predate it (ENOSYS).
/// </summary>
public static class SystemRandom
{
    private const int EINTR = 4;
    private const int ENOSYS = 38;

    // 0 = not probed, 1 = "libc" import works, 2 = "libc.so.6" import works, 3 = use /dev/urandom.
    private static int s_mode;

    /// <summary>Fills <paramref name="buffer"/> with cryptographically secure random bytes.</summary>
    public static void Fill(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        int mode = Volatile.Read(ref s_mode);
        if (mode == 0)
        {
            mode = Probe();
            Volatile.Write(ref s_mode, mode);
        }

        if (mode == 3 || !FillWithGetrandom(buffer, mode))
        {
            Volatile.Write(ref s_mode, 3);
            FillFromDevice(buffer);
        }
    }

    // The AOT agent binds "libc" at link time (DirectPInvoke). Under the JIT, "libc" is probed as
    // libc.so, which on glibc is a linker script that dlopen rejects, so try the real soname next.
    private static int Probe()
    {
        Span<byte> one = stackalloc byte[1];
        try
        {
            _ = GetrandomLibc(one);
            return 1;
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }

        try
        {
            _ = GetrandomLibc6(one);
            return 2;
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }

        return 3;
    }

    private static bool FillWithGetrandom(Span<byte> buffer, int mode)
    {
        while (!buffer.IsEmpty)
        {
            // getrandom may return fewer bytes than asked (signals, requests above 32 MiB).
            nint got = mode == 1 ? GetrandomLibc(buffer) : GetrandomLibc6(buffer);
            if (got < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                {
                    continue;
                }

                if (errno == ENOSYS)
                {
                    return false;
                }

                throw new IOException($"getrandom failed with errno {errno}.");
            }

            buffer = buffer[(int)got..];
        }

        return true;
    }

    private static void FillFromDevice(Span<byte> buffer)
    {
        // A handle and RandomAccess rather than a FileStream: the agent links this, and FileStream's
        // buffering and async strategies cost its binary tens of kilobytes. A character device ignores
        // the offset.
        using var handle = File.OpenHandle("/dev/urandom", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        while (!buffer.IsEmpty)
        {
            int read = RandomAccess.Read(handle, buffer, fileOffset: 0);
            if (read <= 0)
            {
                throw new IOException("/dev/urandom returned no data.");
            }

            buffer = buffer[read..];
        }
    }

    private static unsafe nint GetrandomLibc(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return NativeMethods.getrandom(p, (nuint)buffer.Length, 0);
        }
    }

    private static unsafe nint GetrandomLibc6(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return NativeMethods.getrandom_libc6(p, (nuint)buffer.Length, 0);
        }
    }

    private static unsafe class NativeMethods
    {
        [DllImport("libc", EntryPoint = "getrandom", SetLastError = true)]
        internal static extern nint getrandom(byte* buf, nuint buflen, uint flags);

        [DllImport("libc.so.6", EntryPoint = "getrandom", SetLastError = true)]
        internal static extern nint getrandom_libc6(byte* buf, nuint buflen, uint flags);
    }
}
