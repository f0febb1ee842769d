using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Vigil.Agent;

/// <summary>
/// Resolves a relay's host name with the C library's getaddrinfo(3): the same resolver (and the same
/// /etc/hosts, resolv.conf and nsswitch) that System.Net.Dns uses on Linux, without the name-resolution
/// assembly and its telemetry, which cost the binary more than the agent's own connection logic.
/// </summary>
internal static partial class HostResolver
{
    private const int AF_INET = 2;
    private const int AF_INET6 = 10;
    private const int SOCK_STREAM = 1;
    private const int EAI_NONAME = -2;
    private const int EAI_AGAIN = -3;
    private const int EAI_NODATA = -5;
    private const int EAI_SYSTEM = -11;

    /// <summary>The host's addresses: an IP literal as is, a name through getaddrinfo on a pool thread.</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return [literal];
        }
        // getaddrinfo blocks and cannot be interrupted: stop waiting on cancellation, let it finish alone.
        return await Task.Run(() => Lookup(host), ct).WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The host's addresses, blocking: for the media threads, which have nothing else to do meanwhile.</summary>
    public static IPAddress[] Resolve(string host) => IPAddress.TryParse(host, out var literal) ? [literal] : Lookup(host);

    private static unsafe IPAddress[] Lookup(string host)
    {
        var hints = new AddrInfo { Family = 0 /* AF_UNSPEC */, SockType = SOCK_STREAM };
        AddrInfo* list = null;
        var error = GetAddrInfo(host, null, &hints, &list);
        if (error != 0)
        {
            var code = error switch
            {
                EAI_NONAME or EAI_NODATA => SocketError.HostNotFound,
                EAI_AGAIN => SocketError.TryAgain,
                _ => SocketError.NoRecovery,
            };
            var message = error == EAI_SYSTEM ? Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()) : Marshal.PtrToStringUTF8(GaiStrError(error));
            throw new SocketException((int)code, message);
        }
        try
        {
            var addresses = new List<IPAddress>();
            for (var ai = list; ai != null; ai = ai->Next)
            {
                IPAddress? address = null;
                if (ai->Family == AF_INET && ai->AddrLen >= 16)
                {
                    address = new IPAddress(new ReadOnlySpan<byte>(ai->Addr + 4, 4));
                }
                else if (ai->Family == AF_INET6 && ai->AddrLen >= 28)
                {
                    address = new IPAddress(new ReadOnlySpan<byte>(ai->Addr + 8, 16), *(uint*)(ai->Addr + 24));
                }
                if (address is not null && !addresses.Contains(address))
                {
                    addresses.Add(address);
                }
            }
            if (addresses.Count == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound, Marshal.PtrToStringUTF8(GaiStrError(EAI_NONAME)));
            }
            return [.. addresses];
        }
        finally
        {
            FreeAddrInfo(list);
        }
    }

    /// <summary>struct addrinfo, the same layout in glibc and musl on every architecture.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct AddrInfo
    {
        public int Flags;
        public int Family;
        public int SockType;
        public int Protocol;
        public uint AddrLen;
        public byte* Addr;
        public byte* CanonName;
        public AddrInfo* Next;
    }

    [LibraryImport("libc", EntryPoint = "getaddrinfo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int GetAddrInfo(string node, string? service, AddrInfo* hints, AddrInfo** result);

    [LibraryImport("libc", EntryPoint = "freeaddrinfo")]
    private static unsafe partial void FreeAddrInfo(AddrInfo* list);

    [LibraryImport("libc", EntryPoint = "gai_strerror")]
    private static partial nint GaiStrError(int error);
}
