using System.Security.Cryptography;
using System.Text;
using Vigil.Portal.Data;

namespace Vigil.Portal.Relays;

/// <summary>
/// Who may become a pending device. Anyone holding a relay's public key can complete a handshake with
/// a fresh key and say hello, so without a policy the pending list (and the database) grows with every
/// key an attacker makes. A new device is refused when its relay already has
/// <see cref="PortalOptions.EnrolmentMaxPendingPerRelay"/> pending devices, when its public address has
/// <see cref="PortalOptions.EnrolmentMaxPendingPerAddress"/> (unless it carries a good enrolment token),
/// or, with <see cref="PortalOptions.EnrolmentTokenRequired"/>, when it carries none. Known devices are
/// never refused here: their state decides.
/// </summary>
public sealed class EnrolmentPolicy(PortalOptions options, Database db, EnrolmentMetrics metrics)
{
    public const string Refused = "refused";

    private readonly byte[][] _tokens = [.. options.EnrolmentTokens.Where(t => t.Length > 0).Select(t => SHA256.HashData(Encoding.UTF8.GetBytes(t)))];

    /// <summary>Null when the new device may enrol, else the reason it is refused (a metric label).</summary>
    public async Task<string?> RefusalAsync(string deviceId, string relayNode, string? source, string? enrolToken)
    {
        var known = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM devices WHERE id = @deviceId", new { deviceId }).ConfigureAwait(false);
        if (known > 0)
        {
            return null;
        }
        var tokenGood = enrolToken is { Length: > 0 and <= 256 } && TokenMatches(enrolToken);
        var reason = await ReasonAsync(relayNode, source, enrolToken, tokenGood).ConfigureAwait(false);
        metrics.Enrolment(reason ?? (tokenGood ? "pending_with_token" : "pending"));
        return reason;
    }

    private async Task<string?> ReasonAsync(string relayNode, string? source, string? enrolToken, bool tokenGood)
    {
        if (!tokenGood && enrolToken is { Length: > 0 } && _tokens.Length > 0)
        {
            // A token that is present but wrong is refused even when tokens are optional: the installer
            // meant this device to enrol with one, and a typo should show, not pass unnoticed.
            return "bad_enrolment_token";
        }
        if (!tokenGood && options.EnrolmentTokenRequired)
        {
            return "no_enrolment_token";
        }
        var onRelay = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM devices WHERE state = 'pending' AND relay_node = @relayNode",
            new { relayNode }).ConfigureAwait(false);
        if (onRelay >= options.EnrolmentMaxPendingPerRelay)
        {
            return "pending_cap_relay";
        }
        if (!tokenGood && source is { Length: > 0 })
        {
            var fromAddress = await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM devices WHERE state = 'pending' AND address = @source",
                new { source }).ConfigureAwait(false);
            if (fromAddress >= options.EnrolmentMaxPendingPerAddress)
            {
                return "pending_cap_address";
            }
        }
        return null;
    }

    private bool TokenMatches(string token)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var match = false;
        foreach (var t in _tokens)
        {
            // Compared in constant time, and every one of them, so the timing says nothing of the tokens.
            match |= CryptographicOperations.FixedTimeEquals(hash, t);
        }
        return match;
    }
}
