using System.Buffers;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Tunnels;

/// <summary>
/// A short-lived grant to open one tunnel: to one device, one port, until a time. Signed with
/// Ed25519 by a key the relay trusts (the portal's). Text form:
/// "vt1." + base64url(claims JSON) + "." + base64url(signature over everything before the last dot).
/// </summary>
public sealed class TunnelToken
{
    public const string Prefix = "vt1.";
    public const int MaxTextLength = 2048;

    /// <summary>A token may live at most this long: a leaked one is useless soon.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>Clock skew tolerated between the signer and the relay.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    public required string DeviceId { get; init; }
    public required int Port { get; init; }
    public required DateTimeOffset IssuedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Who the grant is for (an operator's login, the portal): for the relay's log.</summary>
    public string? Subject { get; init; }

    /// <summary>
    /// A random value (claim "jti") that makes every signed token unique, even two for the same device
    /// and port in the same second: a relay honours each token once, and remembers it by its signature.
    /// Made by <see cref="Sign"/> when not set.
    /// </summary>
    public string? Nonce { get; init; }

    public string Sign(ReadOnlySpan<byte> signingKey)
    {
        if (signingKey.Length != Ed25519.SecretKeySize)
        {
            throw new ArgumentException("an Ed25519 signing key is 32 bytes", nameof(signingKey));
        }
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("dev"u8, DeviceId);
            w.WriteNumber("port"u8, Port);
            w.WriteNumber("iat"u8, IssuedAt.ToUnixTimeSeconds());
            w.WriteNumber("exp"u8, ExpiresAt.ToUnixTimeSeconds());
            if (Subject is not null)
            {
                w.WriteString("sub"u8, Subject);
            }
            w.WriteString("jti"u8, Nonce ?? NewNonce());
            w.WriteEndObject();
        }
        var signed = Prefix + Base64Url(buffer.WrittenSpan);
        var message = Encoding.ASCII.GetBytes(signed);
        var signature = new byte[Ed25519.SignatureSize];
        Ed25519.Sign(signingKey.ToArray(), 0, message, 0, message.Length, signature, 0);
        return signed + "." + Base64Url(signature);
    }

    /// <summary>
    /// Verifies a token for a request to open <paramref name="deviceId"/>:<paramref name="port"/>.
    /// Returns null when it is good, else the reason it is refused (a metric label).
    /// </summary>
    public static string? Verify(string? text, IReadOnlyList<byte[]> trustedKeys, string deviceId, int port, DateTimeOffset now, out TunnelToken? token)
    {
        token = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxTextLength || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return "malformed";
        }
        var dot = text.LastIndexOf('.');
        if (dot <= Prefix.Length)
        {
            return "malformed";
        }
        byte[] claims, signature;
        try
        {
            claims = FromBase64Url(text.AsSpan(Prefix.Length, dot - Prefix.Length));
            signature = FromBase64Url(text.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return "malformed";
        }
        if (signature.Length != Ed25519.SignatureSize)
        {
            return "malformed";
        }
        var message = Encoding.ASCII.GetBytes(text[..dot]);
        var trusted = false;
        foreach (var key in trustedKeys)
        {
            if (key.Length == Ed25519.PublicKeySize && Ed25519.Verify(signature, 0, key, 0, message, 0, message.Length))
            {
                trusted = true;
                break;
            }
        }
        if (!trusted)
        {
            return "bad_signature";
        }
        try
        {
            token = ParseClaims(claims);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return "malformed";
        }
        if (token is null)
        {
            return "malformed";
        }
        if (token.ExpiresAt <= now)
        {
            return "expired";
        }
        if (token.IssuedAt > now + ClockSkew || token.ExpiresAt - token.IssuedAt > MaxLifetime)
        {
            return "bad_lifetime";
        }
        if (!string.Equals(token.DeviceId, deviceId, StringComparison.Ordinal) || token.Port != port)
        {
            return "wrong_scope";
        }
        return null;
    }

    private static TunnelToken? ParseClaims(ReadOnlySpan<byte> json)
    {
        var r = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
        string? dev = null, sub = null, jti = null;
        long port = -1, iat = -1, exp = -1;
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var name = r.GetString();
            r.Read();
            switch (name)
            {
                case "dev": dev = r.GetString(); break;
                case "port": port = r.GetInt64(); break;
                case "iat": iat = r.GetInt64(); break;
                case "exp": exp = r.GetInt64(); break;
                case "sub": sub = r.GetString(); break;
                case "jti": jti = r.GetString(); break;
                default: r.Skip(); break;
            }
        }
        // DateTimeOffset ends in year 9999; a larger time is no time at all.
        var max = DateTimeOffset.MaxValue.ToUnixTimeSeconds();
        if (dev is null || port is < 1 or > 65535 || iat is < 0 || iat > max || exp < 0 || exp > max)
        {
            return null;
        }
        return new TunnelToken
        {
            DeviceId = dev,
            Port = (int)port,
            IssuedAt = DateTimeOffset.FromUnixTimeSeconds(iat),
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(exp),
            Subject = sub,
            Nonce = jti,
        };
    }

    /// <summary>
    /// The part of a token text a relay remembers to honour it once: its signature, which no one
    /// without the signing key can make for other claims. Null for text that is not a token.
    /// </summary>
    public static string? ReplayKey(string? text)
    {
        var dot = text?.LastIndexOf('.') ?? -1;
        return dot > 0 ? text![(dot + 1)..] : null;
    }

    private static string NewNonce()
    {
        Span<byte> nonce = stackalloc byte[16];
        SystemRandom.Fill(nonce);
        return Base64Url(nonce);
    }

    /// <summary>Makes an Ed25519 key pair for signing tunnel tokens.</summary>
    public static (byte[] SigningKey, byte[] PublicKey) GenerateSigningKey()
    {
        var sk = new byte[Ed25519.SecretKeySize];
        SystemRandom.Fill(sk);
        return (sk, PublicKeyOf(sk));
    }

    public static byte[] PublicKeyOf(byte[] signingKey)
    {
        var pk = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(signingKey, 0, pk, 0);
        return pk;
    }

    private static string Base64Url(ReadOnlySpan<byte> data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(ReadOnlySpan<char> text)
    {
        var s = text.ToString().Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        return Convert.FromBase64String(s);
    }
}
