using System.Collections.Concurrent;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Portal.Data;

namespace Vigil.Portal.Auth;

/// <summary>
/// Logins, sessions and API keys. A session token or API key is a random bearer secret of which the
/// database keeps only the SHA-256. Resolved callers are cached for a few seconds so that a busy
/// client does not cost a query per request; logout, deactivation and key deletion take effect
/// within <see cref="CacheFor"/> on every instance (at once on this one).
/// </summary>
public sealed class AuthService(Database db, UserStore users, LoginThrottle throttle,
    ExternalLogin external, SettingsStore settings, PortalOptions options, PasswordHasher hasher, ILogger<AuthService> log)
{
    public const string SessionPrefix = "vs_";
    public const string ApiKeyPrefix = "vk_";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, (User? User, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// A hash of a password nobody knows, at the installation's cost: checked when the login names
    /// no local password (an unknown login, an external-only account), so that the answer takes as
    /// long as for a known one and its timing does not tell which logins exist.
    /// </summary>
    private readonly string _dummyHash = hasher.Hash(PasswordHasher.Generate());

    public sealed record LoginResult(string? Token, User? User, long ExpiresAt, int RetryAfter, string? Error);

    public async Task<LoginResult> LoginAsync(string login, string password, string address, CancellationToken ct)
    {
        var throttled = throttle.Check(login, address);
        if (throttled.RetryAfter > 0)
        {
            PortalLog.LoginThrottled(log, login, address);
            return new LoginResult(null, null, 0, throttled.RetryAfter, "too many failed logins from this address; try again later");
        }
        // A login under attack from elsewhere is slowed down for everyone, and refused to no one.
        await Task.Delay(throttled.Delay, ct).ConfigureAwait(false);
        var user = await users.FindByLoginAsync(login).ConfigureAwait(false);
        var backend = await settings.GetAsync(SettingsStore.AuthBackendUrl).ConfigureAwait(false);
        var answer = ExternalVerdict.NoAnswer;
        IReadOnlyList<string>? groups = null;
        if (!string.IsNullOrEmpty(backend))
        {
            (answer, groups) = await external.AskAsync(backend, login, password, address, ct).ConfigureAwait(false);
        }
        var ok = answer switch
        {
            ExternalVerdict.Allowed => true,
            ExternalVerdict.WrongPassword => false,
            _ => PasswordHasher.Verify(password, user?.PasswordHash ?? _dummyHash) && user?.PasswordHash is not null,
        };
        if (ok && user is null)
        {
            // Known to the backend only: the portal keeps a local user (no local password) for rights.
            user = await users.CreateAsync(new User { Login = login, Role = Roles.User, Note = "external" }).ConfigureAwait(false)
                ?? await users.FindByLoginAsync(login).ConfigureAwait(false);
        }
        if (!ok || user is null || !user.IsActive)
        {
            throttle.Failed(login, address);
            PortalLog.LoginFailed(log, login, address);
            return new LoginResult(null, null, 0, 0, "wrong login or password");
        }
        throttle.Succeeded(login, address);
        if (groups is not null)
        {
            await users.SetGroupsAsync(user.Id, groups).ConfigureAwait(false);
        }
        var token = Secrets.NewToken(SessionPrefix);
        var now = Clock.NowMs();
        var expires = now + (long)options.SessionLifetime.TotalMilliseconds;
        await using var c = await db.OpenAsync(ct).ConfigureAwait(false);
        await c.ExecuteAsync("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (@hash, @id, @now, @expires)",
            new { hash = Secrets.HashToken(token), id = user.Id, now, expires }).ConfigureAwait(false);
        // Expired sessions go as new ones come, so the table never only grows.
        await c.ExecuteAsync("DELETE FROM sessions WHERE expires_at < @now", new { now }).ConfigureAwait(false);
        PortalLog.LoggedIn(log, user.Login, address);
        return new LoginResult(token, user, expires, 0, null);
    }

    public async Task LogoutAsync(string tokenHash)
    {
        _cache.TryRemove(tokenHash, out _);
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await c.ExecuteAsync("DELETE FROM sessions WHERE token_hash = @tokenHash", new { tokenHash }).ConfigureAwait(false);
    }

    /// <summary>
    /// After a password change or reset: every session and API key of the user ends, but the one
    /// session kept (the caller's own, when users change their own password), so whoever learnt the
    /// old password keeps nothing it gave them. Other instances forget their cached callers within
    /// <see cref="CacheFor"/>.
    /// </summary>
    public async Task<(int Sessions, int Keys)> EndCredentialsAsync(long userId, string? keepSessionHash)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync().ConfigureAwait(false);
        var sessions = await c.ExecuteAsync("DELETE FROM sessions WHERE user_id = @userId AND token_hash <> @keep",
            new { userId, keep = keepSessionHash ?? "" }, tx).ConfigureAwait(false);
        var keys = await c.ExecuteAsync("DELETE FROM api_keys WHERE user_id = @userId", new { userId }, tx).ConfigureAwait(false);
        await tx.CommitAsync().ConfigureAwait(false);
        Invalidate();
        return (sessions, keys);
    }

    /// <summary>
    /// Users change their own password: the current one is proven first (throttled as a login is),
    /// then every other session and API key of theirs ends, as after a reset.
    /// </summary>
    public async Task<(int Sessions, int Keys)> ChangePasswordAsync(Caller caller, string current, string replacement, string address, CancellationToken ct)
    {
        var login = caller.User!.Login;
        var throttled = throttle.Check(login, address);
        if (throttled.RetryAfter > 0)
        {
            PortalLog.LoginThrottled(log, login, address);
            throw new Api.ApiException(StatusCodes.Status429TooManyRequests, $"too many wrong passwords from this address; try again in {throttled.RetryAfter} s");
        }
        await Task.Delay(throttled.Delay, ct).ConfigureAwait(false);
        var user = await users.GetAsync(caller.UserId).ConfigureAwait(false) ?? throw Api.ApiException.Unauthorized();
        if (user.PasswordHash is null)
        {
            throw Api.ApiException.Conflict("this account has no password here: it is changed where the external login keeps it");
        }
        if (!PasswordHasher.Verify(current, user.PasswordHash))
        {
            throttle.Failed(login, address);
            throw Api.ApiException.Forbidden("the current password is wrong");
        }
        user.PasswordHash = hasher.Hash(replacement);
        await users.UpdateAsync(user).ConfigureAwait(false);
        return await EndCredentialsAsync(user.Id, caller.SessionHash).ConfigureAwait(false);
    }

    /// <summary>The user behind a session token or API key, or null.</summary>
    public async ValueTask<User?> ResolveAsync(string tokenHash, bool apiKey)
    {
        var now = DateTimeOffset.UtcNow;
        if (_cache.TryGetValue(tokenHash, out var hit) && hit.Until > now)
        {
            return hit.User;
        }
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var sql = apiKey
            ? "SELECT u.id, u.login, u.email, u.role, u.is_active, u.note, u.created_at, u.updated_at FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = @tokenHash AND (k.expires_at IS NULL OR k.expires_at > @nowMs) AND u.is_active = @active"
            : "SELECT u.id, u.login, u.email, u.role, u.is_active, u.note, u.created_at, u.updated_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = @tokenHash AND s.expires_at > @nowMs AND u.is_active = @active";
        var user = await c.QuerySingleOrDefaultAsync<User>(sql, new { tokenHash, nowMs = now.ToUnixTimeMilliseconds(), active = true }).ConfigureAwait(false);
        if (_cache.Count > 50_000)
        {
            _cache.Clear();
        }
        _cache[tokenHash] = (user, now + CacheFor);
        return user;
    }

    /// <summary>Forgets every cached caller: after a change of roles or an account's state.</summary>
    public void Invalidate() => _cache.Clear();

    public sealed record ApiKeyInfo(long Id, string Name, string Prefix, long CreatedAt, long? ExpiresAt);

    public async Task<(ApiKeyInfo Info, string Key)> CreateApiKeyAsync(long userId, string name, TimeSpan? lifetime)
    {
        var key = Secrets.NewToken(ApiKeyPrefix);
        var now = Clock.NowMs();
        long? expires = lifetime is { } l ? now + (long)l.TotalMilliseconds : null;
        var prefix = key[..10];
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var id = await c.ExecuteScalarAsync<long>("""
            INSERT INTO api_keys (user_id, name, key_hash, prefix, created_at, expires_at)
            VALUES (@userId, @name, @hash, @prefix, @now, @expires) RETURNING id
            """, new { userId, name, hash = Secrets.HashToken(key), prefix, now, expires }).ConfigureAwait(false);
        return (new ApiKeyInfo(id, name, prefix, now, expires), key);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListApiKeysAsync(long userId)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var rows = await c.QueryAsync<(long Id, string Name, string Prefix, long CreatedAt, long? ExpiresAt)>(
            "SELECT id, name, prefix, created_at, expires_at FROM api_keys WHERE user_id = @userId ORDER BY id", new { userId }).ConfigureAwait(false);
        return [.. rows.Select(r => new ApiKeyInfo(r.Id, r.Name, r.Prefix, r.CreatedAt, r.ExpiresAt))];
    }

    public async Task<bool> DeleteApiKeyAsync(long userId, long id)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var deleted = await c.ExecuteAsync("DELETE FROM api_keys WHERE id = @id AND user_id = @userId", new { id, userId }).ConfigureAwait(false) > 0;
        Invalidate();
        return deleted;
    }
}
