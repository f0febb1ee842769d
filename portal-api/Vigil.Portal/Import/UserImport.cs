using System.Data.Common;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.Import;

/// <summary>
/// Users from billing (login,email,password,is_active,is_admin,note), upserted by login.
/// is_admin makes an admin; without it a new user is a plain user, and an existing one loses
/// admin but keeps operator (billing knows nothing of operators). An empty password makes a new
/// user who logs in only through the external backend and leaves an existing one's password alone.
/// Passwords are hashed before they are staged and never written or logged in clear.
/// </summary>
public sealed class UserImport(Database db, PasswordHasher hasher, AuthService auth, ILogger<UserImport> log)
{
    private static readonly ImportColumn[] Columns =
    [
        new("login", "login", ColumnType.Text),
        new("email", "email", ColumnType.Text),
        new("password", "password_hash", ColumnType.Text),
        new("is_active", "is_active", ColumnType.Boolean),
        new("is_admin", "is_admin", ColumnType.Boolean),
        new("note", "note", ColumnType.Text),
    ];

    private const int Password = 2;

    /// <param name="by">The admin importing: the file may not demote or deactivate their own account.</param>
    public async Task<(ImportResult Result, bool Written)> ImportAsync(PipeReader body, User by, ImportMode mode, CancellationToken ct)
    {
        var (result, written) = await ImportRun.RunAsync(db, new Rows(db, hasher, by.Login), body, mode, ct).ConfigureAwait(false);
        if (written)
        {
            // Roles and deactivations take effect on the next request, not when the caller cache expires.
            auth.Invalidate();
        }
        PortalLog.Imported(log, "users", result.Created, result.Updated, result.Errors.Count + result.ErrorsNotListed);
        return (result, written);
    }

    private sealed class Rows(Database db, PasswordHasher hasher, string importer) : ImportKind
    {
        public override string What => "users";
        public override string Noun => "user";
        public override IReadOnlyList<ImportColumn> Columns => UserImport.Columns;

        public override ValueTask<string?> ReadAsync(string?[] f, object?[] values, CancellationToken ct)
        {
            string? error = null;
            var isActive = Boolean(f[3], "is_active", ref error);
            var isAdmin = Boolean(f[4], "is_admin", ref error);
            var input = new UserInput(f[0], f[1], f[Password], null, isActive, f[5]);
            // The login's own check comes first among the API's; a value that did not parse, after them.
            error = UserEndpoints.FieldErrors(input, creating: true).FirstOrDefault(e => e is not null) ?? error;
            if (error is null && input.Login == importer && (isAdmin == false || isActive == false))
            {
                error = "an admin cannot demote or deactivate their own account";
            }
            if (error is not null)
            {
                return ValueTask.FromResult<string?>(error);
            }
            // The clear password waits here only until PrepareAsync hashes its batch.
            object?[] row = [input.Login, input.Email, input.Password is { Length: > 0 } p ? p : null, isActive, isAdmin, input.Note];
            row.CopyTo(values, 0);
            return ValueTask.FromResult<string?>(null);
        }

        /// <summary>
        /// Hashes the batch's passwords across the cores. A password that the user's current hash
        /// already verifies keeps that hash, so importing the same file again changes no row.
        /// </summary>
        public override async Task PrepareAsync(IReadOnlyList<StagedRow> rows, bool merging, CancellationToken ct)
        {
            var withPassword = rows.Where(r => r.Values[Password] is not null).ToList();
            if (withPassword.Count == 0)
            {
                return;
            }
            if (!merging)
            {
                // Nothing will be written: spend no time on hashes, and keep no password.
                withPassword.ForEach(r => r.Values[Password] = null);
                return;
            }
            // Dapper spreads a list over IN for SQLite; Npgsql takes it whole, as an array.
            var among = db.Dialect == Dialect.Postgres ? "= ANY(@logins)" : "IN @logins";
            var current = (await db.QueryAsync<(string Login, string? Hash)>(
                    $"SELECT login, password_hash FROM users WHERE login {among}", new { logins = withPassword.Select(r => r.Key).ToArray() }).ConfigureAwait(false))
                .ToDictionary(u => u.Login, u => u.Hash, StringComparer.Ordinal);
            var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct };
            await Parallel.ForEachAsync(withPassword, options, (row, _) =>
            {
                var password = (string)row.Values[Password]!;
                row.Values[Password] = current.GetValueOrDefault(row.Key) is { } hash && PasswordHasher.Verify(password, hash) ? hash : hasher.Hash(password);
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        }

        public override async Task<(int Created, int Updated)> MergeAsync(StagingTable stage, DbTransaction tx, bool[] present, CancellationToken ct)
        {
            var columns = new List<MergeColumn>();
            if (present[1])
            {
                columns.Add(new MergeColumn("email", "email", "excluded.email"));
            }
            if (present[Password])
            {
                columns.Add(new MergeColumn("password_hash", "password_hash", "COALESCE(excluded.password_hash, users.password_hash)"));
            }
            columns.Add(present[4]
                ? new MergeColumn("role", "CASE WHEN is_admin THEN 'admin' ELSE 'user' END",
                    "CASE WHEN excluded.role = 'admin' THEN 'admin' WHEN users.role = 'operator' THEN 'operator' ELSE 'user' END")
                : new MergeColumn("role", "'user'", null));
            if (present[3])
            {
                columns.Add(new MergeColumn("is_active", "is_active", "excluded.is_active"));
            }
            if (present[5])
            {
                columns.Add(new MergeColumn("note", "note", "excluded.note"));
            }
            var counts = await stage.MergeAsync(tx, "users", columns, ct).ConfigureAwait(false);
            if (present[3])
            {
                // As when an admin deactivates one account: its sessions end now.
                await using var end = stage.Command(
                    $"DELETE FROM sessions WHERE user_id IN (SELECT u.id FROM users u JOIN {stage.Name} s ON s.login = u.login WHERE NOT u.is_active)", tx);
                await end.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            return counts;
        }
    }
}
