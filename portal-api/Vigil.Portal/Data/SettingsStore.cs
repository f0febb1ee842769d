using Dapper;

namespace Vigil.Portal.Data;

/// <summary>Key/value settings an admin changes at run time (branding, the external login backend).</summary>
public sealed class SettingsStore(Database db)
{
    public const string AuthBackendUrl = "auth.backend_url";
    public const string BrandingTitle = "branding.title";
    public const string BrandingLogo = "branding.logo";
    public const string BrandingPrimaryColor = "branding.primary_color";
    public const string BrandingAccentColor = "branding.accent_color";

    private volatile Dictionary<string, string>? _cached;
    private DateTimeOffset _cachedUntil;

    public async Task<string?> GetAsync(string key)
    {
        var all = await AllAsync().ConfigureAwait(false);
        return all.TryGetValue(key, out var v) ? v : null;
    }

    /// <summary>Every non-secret setting, cached for two seconds (settings are read on each login and each page).</summary>
    public async Task<IReadOnlyDictionary<string, string>> AllAsync()
    {
        if (_cached is { } c && _cachedUntil > DateTimeOffset.UtcNow)
        {
            return c;
        }
        await using var connection = await db.OpenAsync().ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Key, string Value)>("SELECT key, value FROM settings WHERE key NOT LIKE 'secret.%'").ConfigureAwait(false);
        var all = rows.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        _cached = all;
        _cachedUntil = DateTimeOffset.UtcNow.AddSeconds(2);
        return all;
    }

    public async Task SetAsync(IReadOnlyDictionary<string, string?> values)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync().ConfigureAwait(false);
        foreach (var (key, value) in values)
        {
            if (value is null)
            {
                await c.ExecuteAsync("DELETE FROM settings WHERE key = @key", new { key }, tx).ConfigureAwait(false);
            }
            else
            {
                await c.ExecuteAsync("INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    new { key, value }, tx).ConfigureAwait(false);
            }
        }
        await tx.CommitAsync().ConfigureAwait(false);
        _cached = null;
    }
}
