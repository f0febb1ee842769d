using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;
using Vigil.Portal.Playback;

namespace Vigil.Portal.Hooks;

/// <summary>A streamer as its hooks see it: who it is and the SHA-256 of its hook key.</summary>
public sealed record HookStreamer(long Id, string Name, string Kind, byte[] KeyHash)
{
    /// <summary>The key last seen to hash to <see cref="KeyHash"/>: the streamer sends it on every call, and comparing costs less than hashing.</summary>
    internal string? AcceptedKey { get; set; }
}

/// <summary>
/// What the streamer's request asks to see, as far as its dialect tells: live (or it cannot say),
/// or the archive, with the window when the URL names one (0 where it does not). A window
/// <see cref="Named"/> exactly (the nginx-rtmp node's archive forms) is checked whole, its start
/// always and its end unless open (0, into live).
/// </summary>
/// <param name="Preview">the preview picture of a moment (FROM-preview.jpg), the one form a still token opens</param>
public readonly record struct StreamRequest(bool Archive, long From = 0, long To = 0, bool Named = false, bool Preview = false)
{
    public static readonly StreamRequest Live = default;

    public static StreamRequest Window(long from, long to) => new(true, from, to, Named: true);
}

/// <summary>An answer to a hook and why. For plays, the viewer and the archive window the token opened.</summary>
public readonly record struct HookVerdict(bool Allowed, string Reason, long UserId = 0, PlaybackKind Kind = PlaybackKind.Live, long From = 0, long To = 0)
{
    public static HookVerdict Deny(string reason) => new(false, reason);
}

/// <summary>
/// The decision path of the streamers' play and publish hooks. Play: the playback token (signature,
/// expiry, camera), then the user's rights on the camera now, by <see cref="CameraAccess"/>, the one
/// rule of who sees what. Publish: the camera is enabled and placed on the asking streamer, its bound
/// device is approved, and the token is that device's current publish token.
///
/// The inputs (cameras, users, bound devices, streamers' keys; memberships inside CameraAccess) are
/// kept in memory, never older than PortalOptions.DecisionCacheSeconds, so a decision from warm
/// caches touches no database, takes no lock and allocates nothing. Another instance's change is seen
/// within that time (3 s by default, so a revocation holds everywhere within 5 s); this instance's
/// own changes call <see cref="Invalidate"/> and hold at once.
/// </summary>
public sealed class PlayAuthorizer
{
    private const long SecondsPerDay = 86_400;
    private readonly PortalSecrets _secrets;
    private readonly CameraAccess _access;
    private readonly DecisionCache<string, Camera> _cameras;
    private readonly DecisionCache<long, Caller> _users;
    private readonly DecisionCache<long, Device> _devices;
    private readonly DecisionCache<string, HookStreamer> _streamers;
    private readonly ConcurrentDictionary<string, VerifiedToken> _verified = new(StringComparer.Ordinal);

    public PlayAuthorizer(CameraStore cameras, DeviceStore devices, UserStore users, StreamerStore streamers, CameraAccess access,
        PortalSecrets secrets, PortalOptions options)
    {
        _secrets = secrets;
        _access = access;
        long Ttl() => (long)(options.DecisionCacheSeconds * 1000);
        _cameras = new(cameras.GetAsync, Ttl, StringComparer.Ordinal);
        _users = new(async id => await users.GetAsync(id).ConfigureAwait(false) is { IsActive: true } u ? new Caller(u, null) : null, Ttl);
        _devices = new(devices.BoundToAsync, Ttl);
        _streamers = new(async name => await streamers.FindAsync(name).ConfigureAwait(false) is { } s
            ? new HookStreamer(s.Id, s.Name, s.Kind, HashBytes(s.HookKeyHash)) : null, Ttl, StringComparer.Ordinal);
    }

    /// <summary>Forgets every cached input on this instance: after a camera, a right, a device or a streamer changes.</summary>
    public void Invalidate()
    {
        _cameras.Clear();
        _users.Clear();
        _devices.Clear();
        _streamers.Clear();
        _verified.Clear();
        _access.Invalidate();
    }

    /// <summary>The streamer a hook URL names, if it exists and the key is its hook key.</summary>
    public async ValueTask<HookStreamer?> StreamerAsync(string name, string key)
    {
        if (!IsName(name))
        {
            return null;
        }
        var streamer = await _streamers.GetAsync(name).ConfigureAwait(false);
        return streamer is not null && KeyMatches(streamer, key) ? streamer : null;
    }

    public ValueTask<HookVerdict> PlayAsync(string camera, string? token, StreamRequest request)
    {
        if (string.IsNullOrEmpty(token))
        {
            return new(HookVerdict.Deny(HookReasons.NoToken));
        }
        if (!IsName(camera))
        {
            return new(HookVerdict.Deny(HookReasons.NoCamera));
        }
        var status = Verify(token, camera, out var claims);
        if (status != PlaybackTokenStatus.Valid)
        {
            return new(HookVerdict.Deny(HookReasons.Of(status)));
        }
        if (claims.Kind == PlaybackKind.Still)
        {
            return new(DecideStill(claims, request));
        }
        if (request.Archive)
        {
            if (claims.Kind != PlaybackKind.Dvr)
            {
                return new(HookVerdict.Deny(HookReasons.LiveTokenForArchive));
            }
            // A named window with an open end (a timeshift into live) reaches now: only a token whose window does.
            var to = request.Named && request.To == 0 ? DateTimeOffset.UtcNow.ToUnixTimeSeconds() : request.To;
            if (((request.Named || request.From > 0) && request.From < claims.From) || (to > 0 && to > claims.To))
            {
                return new(HookVerdict.Deny(HookReasons.OutsideWindow));
            }
        }
        return DecidePlayAsync(camera, claims, request);
    }

    public async ValueTask<HookVerdict> PublishAsync(HookStreamer streamer, string name, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return HookVerdict.Deny(HookReasons.NoToken);
        }
        var (camera, refused) = await PlacedCameraAsync(streamer, name).ConfigureAwait(false);
        if (camera is null)
        {
            return refused;
        }
        var device = await _devices.GetAsync(camera.Id).ConfigureAwait(false);
        if (device is null)
        {
            return HookVerdict.Deny(HookReasons.NoDevice);
        }
        if (device.State != DeviceStates.Approved)
        {
            return HookVerdict.Deny(HookReasons.DeviceNotApproved);
        }
        return PublishToken.Matches(_secrets, device.Id, device.PublishGeneration, token)
            ? new HookVerdict(true, HookReasons.PublishTokenValid)
            : HookVerdict.Deny(HookReasons.WrongPublishToken);
    }

    /// <summary>
    /// The streamer node's own play of a camera (vigil-live feeding Janus from nginx-rtmp): allowed
    /// for the hook key of the streamer that asks, from the node itself (loopback: the feeder runs
    /// beside nginx-rtmp), for an enabled camera placed on that streamer. The node needs no viewer's
    /// token, so its feed outlives any one viewer; each viewer is asked about by vigil-live.
    /// </summary>
    public async ValueTask<HookVerdict> NodePlayAsync(HookStreamer streamer, string name, string key, string address)
    {
        if (!KeyMatches(streamer, key))
        {
            return HookVerdict.Deny(HookReasons.WrongNodeKey);
        }
        if (!System.Net.IPAddress.TryParse(address, out var ip) || !System.Net.IPAddress.IsLoopback(ip))
        {
            return HookVerdict.Deny(HookReasons.NodePlayNotLocal);
        }
        var (camera, refused) = await PlacedCameraAsync(streamer, name).ConfigureAwait(false);
        return camera is null ? refused : new HookVerdict(true, HookReasons.NodePlay);
    }

    /// <summary>The named camera when it exists, is enabled and is placed on the streamer; else null and why not.</summary>
    private async ValueTask<(Camera? Camera, HookVerdict Refused)> PlacedCameraAsync(HookStreamer streamer, string name)
    {
        var camera = IsName(name) ? await _cameras.GetAsync(name).ConfigureAwait(false) : null;
        return camera is null ? (null, HookVerdict.Deny(HookReasons.NoCamera))
            : !camera.Enabled ? (null, HookVerdict.Deny(HookReasons.CameraDisabled))
            : camera.StreamerId != streamer.Id ? (null, HookVerdict.Deny(HookReasons.OtherStreamer))
            : (camera, default);
    }

    /// <summary>
    /// A player repeats its token on every request: once its signature has been checked, the token's
    /// claims are kept by the token itself, and later calls compare a string instead of computing an
    /// HMAC. Only tokens that verified go in, so forgeries cannot fill the memory.
    /// </summary>
    private PlaybackTokenStatus Verify(string token, string camera, out PlaybackClaims claims)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (_verified.TryGetValue(token, out var known))
        {
            claims = known.Claims;
            return claims.ExpiresAt <= now ? PlaybackTokenStatus.Expired
                : string.Equals(known.Camera, camera, StringComparison.Ordinal) ? PlaybackTokenStatus.Valid
                : PlaybackTokenStatus.OtherCamera;
        }
        var status = PlaybackToken.Verify(_secrets.TokenKey, token, camera, now, out claims);
        if (status == PlaybackTokenStatus.Valid)
        {
            if (_verified.Count >= DecisionCache<string, Camera>.MaxEntries)
            {
                _verified.Clear();
            }
            _verified[token] = new VerifiedToken(claims, camera);
        }
        return status;
    }

    /// <summary>
    /// The portal's own fetch of a still from the archive (<see cref="PlaybackKind.Still"/>): the
    /// viewers' rights were checked by the portal before it fetched, so only the token's scope is
    /// checked here (its camera was checked with its signature): the preview picture, at a moment inside its window. Any other
    /// form, live included, is refused.
    /// </summary>
    private static HookVerdict DecideStill(PlaybackClaims claims, StreamRequest request)
    {
        if (!request.Archive || !request.Preview)
        {
            return HookVerdict.Deny(HookReasons.StillTokenScope);
        }
        if (request.From < claims.From || request.From > claims.To)
        {
            return HookVerdict.Deny(HookReasons.OutsideWindow);
        }
        return new HookVerdict(true, HookReasons.StillTokenValid, 0, PlaybackKind.Still, claims.From, claims.To);
    }

    private async ValueTask<HookVerdict> DecidePlayAsync(string name, PlaybackClaims claims, StreamRequest request)
    {
        var camera = await _cameras.GetAsync(name).ConfigureAwait(false);
        if (camera is null)
        {
            return HookVerdict.Deny(HookReasons.NoCamera);
        }
        var caller = claims.UserId == 0 ? Caller.Anonymous : await _users.GetAsync(claims.UserId).ConfigureAwait(false);
        if (caller is null)
        {
            return HookVerdict.Deny(HookReasons.UserGone);
        }
        var rights = await _access.RightsAsync(caller, camera).ConfigureAwait(false);
        if (!rights.View)
        {
            return HookVerdict.Deny(HookReasons.NoViewRight);
        }
        if (claims.Kind == PlaybackKind.Dvr)
        {
            if (!rights.Dvr)
            {
                return HookVerdict.Deny(HookReasons.NoDvrRight);
            }
            // The depth as it is now, counted from when the token was issued: a shortened archive
            // closes the older part of windows handed out before.
            if (camera.DvrDepth <= 0 || claims.From < claims.IssuedAt - camera.DvrDepth * SecondsPerDay)
            {
                return HookVerdict.Deny(HookReasons.BeyondDepth);
            }
            // And the moment asked for, counted back from now: a token's window opened a week back
            // yesterday does not open the day that has since fallen out of the depth.
            if (request.Archive && (request.Named || request.From > 0) &&
                request.From < DateTimeOffset.UtcNow.ToUnixTimeSeconds() - camera.DvrDepth * SecondsPerDay)
            {
                return HookVerdict.Deny(HookReasons.BeyondDepth);
            }
        }
        return new HookVerdict(true, HookReasons.PlaybackTokenValid, claims.UserId, claims.Kind, claims.From, claims.To);
    }

    private sealed record VerifiedToken(PlaybackClaims Claims, string Camera);

    private static bool KeyMatches(HookStreamer streamer, string key)
    {
        if (key.Length is 0 or > 200 || streamer.KeyHash.Length != SHA256.HashSizeInBytes)
        {
            return false;
        }
        if (streamer.AcceptedKey is { } accepted && accepted.Length == key.Length &&
            CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(accepted.AsSpan()), MemoryMarshal.AsBytes(key.AsSpan())))
        {
            return true;
        }
        Span<byte> utf8 = stackalloc byte[600];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, streamer.KeyHash))
        {
            return false;
        }
        streamer.AcceptedKey = key;
        return true;
    }

    private static byte[] HashBytes(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>Anything that is no camera or streamer name of ours is refused before it reaches a cache or the database.</summary>
    private static bool IsName(string name) => Api.Check.NameError("name", name) is null;
}

/// <summary>Why a hook said yes or no: constant strings, for the log and the streamer, never holding a secret.</summary>
public static class HookReasons
{
    public const string PlaybackTokenValid = "playback token valid and the viewer may watch";
    public const string PublishTokenValid = "the bound device's publish token";
    public const string NoToken = "no token";
    public const string MalformedToken = "malformed token";
    public const string ForgedToken = "token not signed by this installation";
    public const string ExpiredToken = "token expired";
    public const string OtherCameraToken = "token issued for another camera";
    public const string LiveTokenForArchive = "a live token does not open the archive";
    public const string StillTokenScope = "a still token opens only the preview picture of a moment";
    public const string StillTokenValid = "the portal's still token for this moment";
    public const string OutsideWindow = "the archive asked for lies outside the token's window";
    public const string UnreadableWindow = "the archive window asked for cannot be read unambiguously";
    public const string NotCanonical = "the path names no camera unambiguously: one camera segment and a file, no encoded, dot or empty segments";
    public const string NoCamera = "no such camera";
    public const string UserGone = "the viewer's account is gone or disabled";
    public const string NoViewRight = "the viewer may not watch this camera";
    public const string NoDvrRight = "the viewer may not watch this camera's archive";
    public const string BeyondDepth = "the archive window reaches beyond the camera's archive depth";
    public const string CameraDisabled = "camera disabled";
    public const string OtherStreamer = "the camera is placed on another streamer";
    public const string NoDevice = "no device is bound to this camera";
    public const string DeviceNotApproved = "the bound device is not approved";
    public const string WrongPublishToken = "not the bound device's current publish token";
    public const string NodePlay = "the streamer node's own play, by its hook key";
    public const string WrongNodeKey = "node play with a key that is not this streamer's hook key";
    public const string NodePlayNotLocal = "node play from another address than the node itself";
    public const string NotForStreams = "the portal opens streams only, not the streamer's api, metrics or pprof";

    public static string Of(PlaybackTokenStatus status) => status switch
    {
        PlaybackTokenStatus.Forged => ForgedToken,
        PlaybackTokenStatus.Expired => ExpiredToken,
        PlaybackTokenStatus.OtherCamera => OtherCameraToken,
        _ => MalformedToken,
    };
}
