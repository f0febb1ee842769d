using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Portal.Playback;

/// <summary>Live viewing, or the archive (DVR, timeshift) within a window, or the portal's own still of a moment.</summary>
public enum PlaybackKind
{
    Live,
    Dvr,
    /// <summary>
    /// The portal fetching a still from its camera's archive for viewers it has already checked (a
    /// camera without a snapshot address of its own): opens the preview picture of a moment inside
    /// its window and nothing else, for seconds.
    /// </summary>
    Still,
}

/// <summary>What a valid playback token says, but for its camera (checked against the request, never copied out).</summary>
/// <param name="UserId">The viewer; 0 for an anonymous viewer of a public camera.</param>
/// <param name="From">For <see cref="PlaybackKind.Dvr"/>: the first second of the archive it opens (unix seconds).</param>
/// <param name="To">For <see cref="PlaybackKind.Dvr"/>: the last second of the archive it opens.</param>
public readonly record struct PlaybackClaims(long UserId, PlaybackKind Kind, long IssuedAt, long ExpiresAt, long From, long To);

public enum PlaybackTokenStatus
{
    Valid,
    Malformed,
    Forged,
    Expired,
    OtherCamera,
}

/// <summary>
/// The token on every playback URL: "pt1." + base64url(payload) + "." + base64url(HMAC-SHA256(installation
/// key, "play\n" + payload)), the payload being "user|camera|kind|issued|expires|from|to" in ASCII. Nothing
/// is stored: any portal instance of the installation verifies it with the shared key. The token says who
/// may watch what until when; whether that user may still see the camera is decided at every hook call.
/// Verification allocates nothing: the streamers' hooks call it thousands of times a second.
/// </summary>
public static class PlaybackToken
{
    public const string Prefix = "pt1.";
    /// <summary>Longer than any token this portal makes (a 64-character camera name gives about 170).</summary>
    public const int MaxLength = 400;
    private const int MacBytes = 32;
    private const int MaxPayloadBytes = 256;
    private static ReadOnlySpan<byte> Domain => "play\n"u8;

    public static string Issue(byte[] key, long userId, string camera, PlaybackKind kind, long issuedAt, long expiresAt, long from = 0, long to = 0)
    {
        var payload = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{userId}|{camera}|{Letter(kind)}|{issuedAt}|{expiresAt}|{from}|{to}"));
        if (payload.Length > MaxPayloadBytes || camera.Contains('|', StringComparison.Ordinal))
        {
            throw new ArgumentException("the camera name cannot go into a playback token", nameof(camera));
        }
        Span<byte> mac = stackalloc byte[MacBytes];
        Sign(key, payload, mac);
        return Prefix + Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>
    /// Checks the form, then the signature, and only then reads the payload: nothing of an unsigned
    /// token is believed. Expiry and the camera are checked last, so that each refusal has its own reason.
    /// </summary>
    public static PlaybackTokenStatus Verify(byte[] key, ReadOnlySpan<char> token, ReadOnlySpan<char> camera, long now, out PlaybackClaims claims)
    {
        claims = default;
        if (token.Length is < 10 or > MaxLength || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return PlaybackTokenStatus.Malformed;
        }
        var body = token[Prefix.Length..];
        var dot = body.IndexOf('.');
        if (dot <= 0)
        {
            return PlaybackTokenStatus.Malformed;
        }
        Span<byte> signed = stackalloc byte[Domain.Length + MaxPayloadBytes];
        Domain.CopyTo(signed);
        Span<byte> presented = stackalloc byte[MacBytes];
        // TryDecode refuses only a short destination and throws on bad characters: IsValid looks first.
        var payloadText = body[..dot];
        var macText = body[(dot + 1)..];
        if (!Base64Url.IsValid(payloadText, out var payloadLength) || payloadLength > MaxPayloadBytes ||
            !Base64Url.IsValid(macText, out var macLength) || macLength != MacBytes)
        {
            return PlaybackTokenStatus.Malformed;
        }
        Base64Url.DecodeFromChars(payloadText, signed[Domain.Length..]);
        Base64Url.DecodeFromChars(macText, presented);
        Span<byte> expected = stackalloc byte[MacBytes];
        HMACSHA256.HashData(key, signed[..(Domain.Length + payloadLength)], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, presented[..MacBytes]))
        {
            return PlaybackTokenStatus.Forged;
        }
        if (!TryParse(signed.Slice(Domain.Length, payloadLength), out claims, out var tokenCamera))
        {
            // Signed by this installation yet unreadable: only a key compromise or a format change makes this.
            return PlaybackTokenStatus.Malformed;
        }
        if (claims.ExpiresAt <= now)
        {
            return PlaybackTokenStatus.Expired;
        }
        return Ascii.Equals(tokenCamera, camera) ? PlaybackTokenStatus.Valid : PlaybackTokenStatus.OtherCamera;
    }

    private static void Sign(byte[] key, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        Span<byte> signed = stackalloc byte[Domain.Length + payload.Length];
        Domain.CopyTo(signed);
        payload.CopyTo(signed[Domain.Length..]);
        HMACSHA256.HashData(key, signed, mac);
    }

    private static bool TryParse(ReadOnlySpan<byte> payload, out PlaybackClaims claims, out ReadOnlySpan<byte> camera)
    {
        claims = default;
        camera = default;
        Span<Range> fields = stackalloc Range[7];
        var count = 0;
        foreach (var field in payload.Split((byte)'|'))
        {
            if (count == fields.Length)
            {
                return false;
            }
            fields[count++] = field;
        }
        if (count != fields.Length)
        {
            return false;
        }
        camera = payload[fields[1]];
        var kind = payload[fields[2]];
        if (!Long(payload[fields[0]], out var user) || kind.Length != 1 || kind[0] is not ((byte)'l' or (byte)'d' or (byte)'s') ||
            !Long(payload[fields[3]], out var issued) || !Long(payload[fields[4]], out var expires) ||
            !Long(payload[fields[5]], out var from) || !Long(payload[fields[6]], out var to))
        {
            return false;
        }
        claims = new PlaybackClaims(user, kind[0] switch { (byte)'d' => PlaybackKind.Dvr, (byte)'s' => PlaybackKind.Still, _ => PlaybackKind.Live }, issued, expires, from, to);
        return true;
    }

    private static char Letter(PlaybackKind kind) => kind switch
    {
        PlaybackKind.Dvr => 'd',
        PlaybackKind.Still => 's',
        _ => 'l',
    };

    private static bool Long(ReadOnlySpan<byte> text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
