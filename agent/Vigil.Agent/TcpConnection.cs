using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Vigil.Agent;

/// <summary>
/// A TCP connection on a plain blocking descriptor, through the C library's socket(2), connect(2),
/// poll(2), recv(2) and send(2). The agent's connections each have a thread (or a short blocking
/// call) of their own, so it needs none of System.Net.Sockets' asynchronous engine, and .NET 9's
/// Socket starts a telemetry Activity on every connect that links System.Diagnostics.DiagnosticSource
/// and, through it, time zones and date formatting: together more of the binary than the agent's
/// whole media path.
/// </summary>
internal sealed partial class TcpConnection : IDisposable
{
    private const int AF_INET = 2;
    private const int AF_INET6 = 10;
    private const int SOCK_STREAM = 1;
    private const int SOCK_NONBLOCK = 0x800;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1;
    private const int SO_ERROR = 4;
    private const int SO_KEEPALIVE = 9;
    private const int SO_RCVTIMEO = 20;
    private const int SO_SNDTIMEO = 21;
    private const int IPPROTO_TCP = 6;
    private const int TCP_NODELAY = 1;
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;
    private const int O_NONBLOCK = 0x800;
    private const short POLLIN = 1;
    private const short POLLOUT = 4;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int EINPROGRESS = 115;
    private const int SHUT_WR = 1;
    private const int SHUT_RDWR = 2;

    private readonly Descriptor _fd;
    private int _receiveTimeoutMs = -1;

    private TcpConnection(Descriptor fd) => _fd = fd;

    /// <summary>
    /// How long <see cref="Receive"/> waits for data before it throws <see cref="TimeoutException"/>;
    /// -1 waits for ever. Kept in the socket (SO_RCVTIMEO), so that a read is one system call.
    /// </summary>
    public int ReceiveTimeoutMs
    {
        get => _receiveTimeoutMs;
        set
        {
            if (value != _receiveTimeoutMs)
            {
                SetTimeout(SO_RCVTIMEO, Math.Max(0, value));
                _receiveTimeoutMs = value;
            }
        }
    }

    /// <summary>
    /// Connects within <paramref name="timeoutMs"/> (-1: until <paramref name="ct"/> is cancelled) with
    /// Nagle off, and returns the connection in blocking mode.
    /// </summary>
    public static unsafe TcpConnection Connect(IPAddress address, int port, int timeoutMs, CancellationToken ct)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var raw = SocketFd(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (raw < 0)
        {
            throw Error(Marshal.GetLastPInvokeError());
        }
        var fd = new Descriptor(raw);
        try
        {
            // struct sockaddr_in / sockaddr_in6: the family in host order, the port in network order.
            var sa = stackalloc byte[28];
            new Span<byte>(sa, 28).Clear();
            *(ushort*)sa = (ushort)(v6 ? AF_INET6 : AF_INET);
            sa[2] = (byte)(port >> 8);
            sa[3] = (byte)port;
            if (v6)
            {
                address.TryWriteBytes(new Span<byte>(sa + 8, 16), out _);
                *(uint*)(sa + 24) = (uint)address.ScopeId;
            }
            else
            {
                address.TryWriteBytes(new Span<byte>(sa + 4, 4), out _);
            }
            if (ConnectFd(fd, sa, v6 ? 28 : 16) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINPROGRESS && errno != EINTR)
                {
                    throw Error(errno);
                }
                try
                {
                    WaitFor(fd, POLLOUT, timeoutMs, ct);
                }
                catch (TimeoutException)
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
                var error = GetOption(fd, SOL_SOCKET, SO_ERROR);
                if (error != 0)
                {
                    throw Error(error);
                }
            }
            _ = Fcntl(fd, F_SETFL, Fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK);
            SetOption(fd, IPPROTO_TCP, TCP_NODELAY, 1);
            return new TcpConnection(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Tries each address in turn; the first that connects wins, else the last failure is thrown.</summary>
    public static TcpConnection ConnectAny(IPAddress[] addresses, int port, int timeoutMs, CancellationToken ct)
    {
        Exception? last = null;
        foreach (var address in addresses)
        {
            try
            {
                return Connect(address, port, timeoutMs, ct);
            }
            catch (SocketException e)
            {
                last = e;
            }
        }
        throw last ?? new SocketException((int)SocketError.AddressFamilyNotSupported);
    }

    /// <summary>Connects on a pool thread, for the asynchronous callers; cancellation is seen within 200 ms.</summary>
    public static Task<TcpConnection> ConnectAnyAsync(IPAddress[] addresses, int port, CancellationToken ct) =>
        Task.Run(() => ConnectAny(addresses, port, Timeout.Infinite, ct), ct);

    /// <summary>TCP keep-alive probes, so that a long-silent link through NAT is not forgotten.</summary>
    public void KeepAlive() => SetOption(_fd, SOL_SOCKET, SO_KEEPALIVE, 1);

    /// <summary>A send that cannot go on for this long fails (a peer that stopped reading).</summary>
    public void SetSendTimeout(int milliseconds) => SetTimeout(SO_SNDTIMEO, milliseconds);

    /// <summary>SO_RCVTIMEO or SO_SNDTIMEO; 0 waits for ever.</summary>
    private unsafe void SetTimeout(int option, int milliseconds)
    {
        // struct timeval: two longs (time_t and suseconds_t are the word size on Linux).
        var tv = stackalloc nint[2];
        tv[0] = milliseconds / 1000;
        tv[1] = milliseconds % 1000 * 1000;
        if (SetSockOpt(_fd, SOL_SOCKET, option, tv, 2 * sizeof(nint)) != 0)
        {
            throw Error(Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Reads what is there (at least a byte); 0 when the peer has closed its side.</summary>
    public unsafe int Receive(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = Recv(_fd, p, (nuint)buffer.Length, 0);
                if (n >= 0)
                {
                    return (int)n;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EAGAIN)
                {
                    throw new TimeoutException();
                }
                if (errno != EINTR)
                {
                    throw Error(errno);
                }
            }
        }
    }

    /// <summary>Whether there is something to read (or the peer closed) within the time.</summary>
    public unsafe bool Readable(int timeoutMs)
    {
        var poll = new PollFd { Fd = (int)_fd.DangerousGetHandle(), Events = POLLIN };
        return Poll(&poll, 1, timeoutMs) > 0;
    }

    /// <summary>Fills the buffer; throws <see cref="EndOfStreamException"/> when the peer closes first.</summary>
    public void ReceiveExactly(Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var n = Receive(buffer);
            if (n == 0)
            {
                throw new EndOfStreamException("the peer closed the connection");
            }
            buffer = buffer[n..];
        }
    }

    /// <summary>Sends all of the data.</summary>
    public unsafe void Send(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            var p = start;
            var left = data.Length;
            while (left > 0)
            {
                // MSG_NOSIGNAL: a peer gone is an error to handle here, not a SIGPIPE for the process.
                var n = SendFd(_fd, p, (nuint)left, MSG_NOSIGNAL);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }
                    throw errno == EAGAIN ? new SocketException((int)SocketError.TimedOut) : Error(errno);
                }
                p += n;
                left -= (int)n;
            }
        }
    }

    /// <summary>The address this end has on the way out (no IPv4-mapped prefix), or null.</summary>
    public unsafe string? LocalAddress
    {
        get
        {
            var sa = stackalloc byte[28];
            var length = 28;
            if (GetSockName(_fd, sa, &length) != 0)
            {
                return null;
            }
            IPAddress address;
            if (*(ushort*)sa == AF_INET)
            {
                address = new IPAddress(new ReadOnlySpan<byte>(sa + 4, 4));
            }
            else
            {
                address = new IPAddress(new ReadOnlySpan<byte>(sa + 8, 16));
                if (address.IsIPv4MappedToIPv6)
                {
                    address = address.MapToIPv4();
                }
            }
            return address.ToString();
        }
    }

    /// <summary>Half-closes: the peer reads the end of the stream, this side may still receive.</summary>
    public void ShutdownSend() => _ = Shutdown(_fd, SHUT_WR);

    /// <summary>
    /// Shuts both directions down, which wakes a thread blocked in a call on this connection, and
    /// closes the descriptor once no call is using it. Safe from any thread, more than once.
    /// </summary>
    public void Dispose()
    {
        try
        {
            _ = Shutdown(_fd, SHUT_RDWR);
        }
        catch (ObjectDisposedException)
        {
        }
        _fd.Dispose();
    }

    private static unsafe void WaitFor(Descriptor fd, short events, int timeoutMs, CancellationToken ct)
    {
        // Slices of at most 200 ms so that a cancellation is seen soon.
        var deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        var poll = new PollFd { Fd = (int)fd.DangerousGetHandle(), Events = events };
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                throw new TimeoutException();
            }
            var n = Poll(&poll, 1, (int)Math.Min(left, ct.CanBeCanceled ? 200 : int.MaxValue));
            if (n > 0)
            {
                return;
            }
            if (n < 0 && Marshal.GetLastPInvokeError() != EINTR)
            {
                throw Error(Marshal.GetLastPInvokeError());
            }
            if (fd.IsClosed)
            {
                throw new ObjectDisposedException(nameof(TcpConnection));
            }
        }
    }

    private static unsafe int GetOption(Descriptor fd, int level, int name)
    {
        int value = 0, length = sizeof(int);
        return GetSockOpt(fd, level, name, &value, &length) != 0 ? Marshal.GetLastPInvokeError() : value;
    }

    private static unsafe void SetOption(Descriptor fd, int level, int name, int value)
    {
        if (SetSockOpt(fd, level, name, &value, sizeof(int)) != 0)
        {
            throw Error(Marshal.GetLastPInvokeError());
        }
    }

    private static SocketException Error(int errno)
    {
        // The codes that callers and logs tell apart; the C library names the rest.
        var code = errno switch
        {
            111 => SocketError.ConnectionRefused,
            110 => SocketError.TimedOut,
            104 => SocketError.ConnectionReset,
            32 => SocketError.Shutdown,
            101 => SocketError.NetworkUnreachable,
            113 => SocketError.HostUnreachable,
            97 => SocketError.AddressFamilyNotSupported,
            _ => SocketError.SocketError,
        };
        return new SocketException((int)code, Marshal.GetPInvokeErrorMessage(errno));
    }

    /// <summary>The descriptor, closed only when no call is using it (what SafeHandle marshalling counts).</summary>
    private sealed class Descriptor : SafeHandle
    {
        public Descriptor(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

        public override bool IsInvalid => handle < 0;

        protected override bool ReleaseHandle() => CloseFd((int)handle) == 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketFd(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static unsafe partial int ConnectFd(Descriptor fd, byte* address, int length);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Recv(Descriptor fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint SendFd(Descriptor fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(Descriptor fd, int level, int name, int* value, int* length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(Descriptor fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static unsafe partial int GetSockName(Descriptor fd, byte* address, int* length);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(Descriptor fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(Descriptor fd, int how);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);
}
