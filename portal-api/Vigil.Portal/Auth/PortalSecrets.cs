using System.Security.Cryptography;
using Dapper;
using Vigil.Portal.Data;
using Vigil.Protocol.Tunnels;

namespace Vigil.Portal.Auth;

/// <summary>
/// The keys every portal instance of one installation shares, kept in the database so that a
/// cluster agrees on them: the HMAC key behind playback and publish tokens, and the Ed25519 key that
/// signs tunnel tokens (relays trust its public half). Made once, at the first start.
/// </summary>
public sealed class PortalSecrets
{
    private PortalSecrets(byte[] tokenKey, byte[] tunnelSigningKey)
    {
        TokenKey = tokenKey;
        TunnelSigningKey = tunnelSigningKey;
        TunnelPublicKey = TunnelToken.PublicKeyOf(tunnelSigningKey);
    }

    public byte[] TokenKey { get; }
    public byte[] TunnelSigningKey { get; }
    public byte[] TunnelPublicKey { get; }

    public static async Task<PortalSecrets> LoadOrCreateAsync(Database db)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var tokenKey = await LoadOrCreateAsync(c, "secret.token_key", () => RandomNumberGenerator.GetBytes(32)).ConfigureAwait(false);
        var tunnelKey = await LoadOrCreateAsync(c, "secret.tunnel_signing_key", () => TunnelToken.GenerateSigningKey().SigningKey).ConfigureAwait(false);
        return new PortalSecrets(tokenKey, tunnelKey);
    }

    private static async Task<byte[]> LoadOrCreateAsync(System.Data.Common.DbConnection c, string key, Func<byte[]> make)
    {
        // Insert-if-absent, then read: two instances starting together end up with the same key.
        await c.ExecuteAsync("INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO NOTHING",
            new { key, value = Convert.ToBase64String(make()) }).ConfigureAwait(false);
        var value = await c.QuerySingleAsync<string>("SELECT value FROM settings WHERE key = @key", new { key }).ConfigureAwait(false);
        return Convert.FromBase64String(value);
    }
}
