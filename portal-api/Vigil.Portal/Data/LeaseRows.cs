using Dapper;

namespace Vigil.Portal.Data;

/// <summary>
/// A lease row: what one portal instance of a cluster holds for a while and renews, and another
/// takes once it has run out (event subscriptions per camera, the one rollout driver).
/// </summary>
internal static class LeaseRows
{
    /// <summary>
    /// Takes or renews the lease keyed <paramref name="key"/> in <paramref name="table"/> (a constant
    /// of the caller, never input) until <paramref name="until"/>; false while another holder has it.
    /// </summary>
    public static async Task<bool> TakeAsync<TKey>(Database db, string table, string keyColumn, TKey key, string holder, long until)
    {
        var now = Clock.NowMs();
        if (await db.ExecuteAsync($"UPDATE {table} SET holder = @holder, until = @until WHERE {keyColumn} = @key AND (holder = @holder OR until < @now)",
                new { key, holder, until, now }).ConfigureAwait(false) == 1)
        {
            return true;
        }
        return await db.ExecuteAsync($"INSERT INTO {table} ({keyColumn}, holder, until) VALUES (@key, @holder, @until) ON CONFLICT ({keyColumn}) DO NOTHING",
            new { key, holder, until }).ConfigureAwait(false) == 1;
    }
}
