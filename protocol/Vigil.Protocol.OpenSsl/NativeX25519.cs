using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.OpenSsl;

/// <summary>
/// <see cref="INoiseDh"/> on OpenSSL's X25519 (libcrypto's EVP_PKEY API, called directly). DH is
/// most of a handshake's CPU, and OpenSSL's is several times faster than the managed code the agent
/// needs. .NET offers no X25519 of its own, hence the P/Invoke.
/// </summary>
/// <remarks>
/// Check <see cref="IsSupported"/> first: it is false when libcrypto (3 or 1.1) cannot be loaded,
/// lacks a function, or fails the RFC 7748 test vector; the relay then uses <see cref="ManagedX25519"/>.
/// Thread-safe: every call uses its own OpenSSL objects, apart from a pinned static key (see
/// <see cref="ForStaticKey"/>), which OpenSSL only reads.
/// </remarks>
public sealed unsafe class NativeX25519 : INoiseDh
{
    private const int KeySize = 32;
    private const int EVP_PKEY_X25519 = 1034;

    private static readonly string[] LibraryNames = ["libcrypto.so.3", "libcrypto.so.1.1"];
    private static readonly Lazy<Api?> s_api = new(LoadApi);

    // The one long-lived private key this instance keeps parsed, and its EVP_PKEY (kept for the
    // life of the process, like the key itself). OpenSSL computes the public key whenever it builds
    // a private EVP_PKEY, a scalar multiplication as dear as the DH itself, and half of a
    // responder's DH operations use its static key.
    private readonly byte[]? _pinnedPrivate;
    private readonly IntPtr _pinnedKey;

    private NativeX25519(byte[]? pinnedPrivate, IntPtr pinnedKey)
    {
        _pinnedPrivate = pinnedPrivate;
        _pinnedKey = pinnedKey;
    }

    /// <summary>An instance without a pinned key; stateless, so one serves everyone.</summary>
    public static NativeX25519 Instance { get; } = new(null, IntPtr.Zero);

    /// <summary>
    /// An instance that keeps <paramref name="staticKey"/> parsed inside OpenSSL for the life of the
    /// process, so DH with it skips rebuilding the key. For a node's own static key: make one per key.
    /// Other private keys work as with <see cref="Instance"/>.
    /// </summary>
    public static NativeX25519 ForStaticKey(KeyPair staticKey)
    {
        ArgumentNullException.ThrowIfNull(staticKey);
        Api api = GetApi();
        byte[] copy = (byte[])staticKey.PrivateKey.Clone();
        return new NativeX25519(copy, NewPrivateKey(api, copy));
    }

    /// <summary>Whether libcrypto is loadable, complete and computes X25519 correctly.</summary>
    public static bool IsSupported => s_api.Value is not null;

    public void GenerateKeyPair(Span<byte> priv, Span<byte> pub)
    {
        if (priv.Length != KeySize || pub.Length != KeySize)
        {
            throw new ArgumentException("X25519 keys are 32 bytes.");
        }

        Api api = GetApi();
        RandomNumberGenerator.Fill(priv);
        priv[0] &= 248;
        priv[31] &= 127;
        priv[31] |= 64;
        IntPtr key = NewPrivateKey(api, priv);
        try
        {
            nuint length = KeySize;
            fixed (byte* p = pub)
            {
                if (api.GetRawPublicKey(key, p, &length) != 1 || length != KeySize)
                {
                    throw Fail(api, "EVP_PKEY_get_raw_public_key");
                }
            }
        }
        finally
        {
            api.PkeyFree(key);
        }
    }

    public void Dh(ReadOnlySpan<byte> priv, ReadOnlySpan<byte> pub, Span<byte> out32)
    {
        if (priv.Length != KeySize || pub.Length != KeySize)
        {
            throw new ArgumentException("X25519 keys are 32 bytes.");
        }

        if (out32.Length < KeySize)
        {
            throw new ArgumentException("Output must hold 32 bytes.", nameof(out32));
        }

        Api api = GetApi();
        bool pinned = _pinnedPrivate is not null && CryptographicOperations.FixedTimeEquals(priv, _pinnedPrivate);
        IntPtr local = IntPtr.Zero;
        IntPtr peer = IntPtr.Zero;
        IntPtr ctx = IntPtr.Zero;
        try
        {
            local = pinned ? _pinnedKey : NewPrivateKey(api, priv);
            fixed (byte* p = pub)
            {
                peer = api.NewRawPublicKey(EVP_PKEY_X25519, IntPtr.Zero, p, KeySize);
            }

            if (peer == IntPtr.Zero)
            {
                throw Fail(api, "EVP_PKEY_new_raw_public_key");
            }

            ctx = api.CtxNew(local, IntPtr.Zero);
            if (ctx == IntPtr.Zero)
            {
                throw Fail(api, "EVP_PKEY_CTX_new");
            }

            if (api.DeriveInit(ctx) != 1)
            {
                throw Fail(api, "EVP_PKEY_derive_init");
            }

            if (api.DeriveSetPeer(ctx, peer) != 1)
            {
                api.ClearError();
                throw new NoiseException("X25519 rejected the peer's public key.");
            }

            nuint length = KeySize;
            int rc;
            fixed (byte* o = out32)
            {
                rc = api.Derive(ctx, o, &length);
            }

            if (rc != 1 || length != KeySize)
            {
                // OpenSSL refuses an all-zero result, i.e. a low-order public key (RFC 7748 §6.1).
                out32[..KeySize].Clear();
                api.ClearError();
                throw new NoiseException("X25519 produced an all-zero shared secret (low-order public key).");
            }

            if (!out32[..KeySize].ContainsAnyExcept((byte)0))
            {
                throw new NoiseException("X25519 produced an all-zero shared secret (low-order public key).");
            }
        }
        finally
        {
            if (ctx != IntPtr.Zero)
            {
                api.CtxFree(ctx);
            }

            if (peer != IntPtr.Zero)
            {
                api.PkeyFree(peer);
            }

            if (local != IntPtr.Zero && !pinned)
            {
                api.PkeyFree(local);
            }
        }
    }

    private static IntPtr NewPrivateKey(Api api, ReadOnlySpan<byte> priv)
    {
        IntPtr key;
        fixed (byte* p = priv)
        {
            key = api.NewRawPrivateKey(EVP_PKEY_X25519, IntPtr.Zero, p, KeySize);
        }

        return key != IntPtr.Zero ? key : throw Fail(api, "EVP_PKEY_new_raw_private_key");
    }

    private static CryptographicException Fail(Api api, string function)
    {
        api.ClearError();
        return new CryptographicException($"OpenSSL {function} failed.");
    }

    private static Api GetApi() =>
        s_api.Value ?? throw new PlatformNotSupportedException("OpenSSL libcrypto with X25519 is not available.");

    private static Api? LoadApi()
    {
        foreach (string name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out IntPtr handle))
            {
                continue;
            }

            // The handle is kept for the life of the process: the function pointers point into it.
            Api? api = Api.TryBind(handle);
            if (api is not null && SelfTest(api))
            {
                return api;
            }
        }

        return null;
    }

    // RFC 7748 §6.1: Alice's private key with Bob's public key gives the known shared secret.
    private static bool SelfTest(Api api)
    {
        byte[] alicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        byte[] expected = Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        byte[] shared = new byte[KeySize];
        IntPtr local = IntPtr.Zero;
        IntPtr peer = IntPtr.Zero;
        IntPtr ctx = IntPtr.Zero;
        try
        {
            fixed (byte* a = alicePrivate)
            fixed (byte* b = bobPublic)
            fixed (byte* s = shared)
            {
                local = api.NewRawPrivateKey(EVP_PKEY_X25519, IntPtr.Zero, a, KeySize);
                peer = api.NewRawPublicKey(EVP_PKEY_X25519, IntPtr.Zero, b, KeySize);
                if (local == IntPtr.Zero || peer == IntPtr.Zero)
                {
                    return false;
                }

                ctx = api.CtxNew(local, IntPtr.Zero);
                nuint length = KeySize;
                return ctx != IntPtr.Zero
                    && api.DeriveInit(ctx) == 1
                    && api.DeriveSetPeer(ctx, peer) == 1
                    && api.Derive(ctx, s, &length) == 1
                    && length == KeySize
                    && shared.AsSpan().SequenceEqual(expected);
            }
        }
        finally
        {
            if (ctx != IntPtr.Zero)
            {
                api.CtxFree(ctx);
            }

            if (peer != IntPtr.Zero)
            {
                api.PkeyFree(peer);
            }

            if (local != IntPtr.Zero)
            {
                api.PkeyFree(local);
            }

            api.ClearError();
        }
    }

    // The libcrypto functions used, as unmanaged function pointers resolved once.
    private sealed class Api
    {
        public required delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> NewRawPrivateKey { get; init; }
        public required delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> NewRawPublicKey { get; init; }
        public required delegate* unmanaged<IntPtr, byte*, nuint*, int> GetRawPublicKey { get; init; }
        public required delegate* unmanaged<IntPtr, void> PkeyFree { get; init; }
        public required delegate* unmanaged<IntPtr, IntPtr, IntPtr> CtxNew { get; init; }
        public required delegate* unmanaged<IntPtr, void> CtxFree { get; init; }
        public required delegate* unmanaged<IntPtr, int> DeriveInit { get; init; }
        public required delegate* unmanaged<IntPtr, IntPtr, int> DeriveSetPeer { get; init; }
        public required delegate* unmanaged<IntPtr, byte*, nuint*, int> Derive { get; init; }
        public required delegate* unmanaged<void> ErrClearError { get; init; }

        // Failed calls leave entries on OpenSSL's per-thread error queue; clear them so they do not
        // surface later in an unrelated System.Security.Cryptography call on the same thread.
        public void ClearError() => ErrClearError();

        public static Api? TryBind(IntPtr lib)
        {
            IntPtr f0, f1, f2, f3, f4, f5, f6, f7, f8, f9;
            if (!NativeLibrary.TryGetExport(lib, "EVP_PKEY_new_raw_private_key", out f0)
                || !NativeLibrary.TryGetExport(lib, "EVP_PKEY_new_raw_public_key", out f1)
                || !NativeLibrary.TryGetExport(lib, "EVP_PKEY_get_raw_public_key", out f2)
                || !NativeLibrary.TryGetExport(lib, "EVP_PKEY_free", out f3)
                || !NativeLibrary.TryGetExport(lib, "EVP_PKEY_CTX_new", out f4)
                || !NativeLibrary.TryGetExport(lib, "EVP_PKEY_CTX_free", out f5)
                || !NativeLibrary.TryGetExport(lib, "EVP_PKEY_derive_init", out f6)
                || !NativeLibrary.TryGetExport(lib, "EVP_PKEY_derive_set_peer", out f7)
                || !NativeLibrary.TryGetExport(lib, "EVP_PKEY_derive", out f8)
                || !NativeLibrary.TryGetExport(lib, "ERR_clear_error", out f9))
            {
                return null;
            }

            return new Api
            {
                NewRawPrivateKey = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)f0,
                NewRawPublicKey = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)f1,
                GetRawPublicKey = (delegate* unmanaged<IntPtr, byte*, nuint*, int>)f2,
                PkeyFree = (delegate* unmanaged<IntPtr, void>)f3,
                CtxNew = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)f4,
                CtxFree = (delegate* unmanaged<IntPtr, void>)f5,
                DeriveInit = (delegate* unmanaged<IntPtr, int>)f6,
                DeriveSetPeer = (delegate* unmanaged<IntPtr, IntPtr, int>)f7,
                Derive = (delegate* unmanaged<IntPtr, byte*, nuint*, int>)f8,
                ErrClearError = (delegate* unmanaged<void>)f9,
            };
        }
    }
}
