using System.Data.Common;
using Dapper;

namespace Vigil.Portal.Data;

/// <summary>Users, groups and memberships.</summary>
public sealed class UserStore(Database db)
{
    private const string UserColumns = "id, login, email, password_hash, role, is_active, note, created_at, updated_at";

    public async Task<User?> FindByLoginAsync(string login)
    {
        return await db.QuerySingleOrDefaultAsync<User>($"SELECT {UserColumns} FROM users WHERE login = @login", new { login }).ConfigureAwait(false);
    }

    public async Task<User?> GetAsync(long id)
    {
        return await db.QuerySingleOrDefaultAsync<User>($"SELECT {UserColumns} FROM users WHERE id = @id", new { id }).ConfigureAwait(false);
    }

    /// <param name="search">Only users whose login or e-mail holds it, any case (what an admin types to find one among thousands).</param>
    public async Task<IReadOnlyList<User>> ListAsync(int limit, int offset, string? search = null)
    {
        var where = search is null ? "" : @"WHERE LOWER(login) LIKE @like ESCAPE '\' OR LOWER(email) LIKE @like ESCAPE '\'";
        var like = search is null ? null : LikePattern.Containing(search);
        return await db.QueryAsync<User>($"SELECT {UserColumns} FROM users {where} ORDER BY id LIMIT @limit OFFSET @offset", new { limit, offset, like }).ConfigureAwait(false);
    }

    public async Task<int> CountAsync()
    {
        return await db.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM users").ConfigureAwait(false);
    }

    /// <summary>Inserts; null when the login is taken.</summary>
    public async Task<User?> CreateAsync(User user)
    {
        var now = Clock.NowMs();
        user.CreatedAt = user.UpdatedAt = now;
        var id = await db.ExecuteScalarAsync<long?>("""
            INSERT INTO users (login, email, password_hash, role, is_active, note, created_at, updated_at)
            VALUES (@Login, @Email, @PasswordHash, @Role, @IsActive, @Note, @CreatedAt, @UpdatedAt)
            ON CONFLICT (login) DO NOTHING
            RETURNING id
            """, user).ConfigureAwait(false);
        if (id is null)
        {
            return null;
        }
        user.Id = id.Value;
        return user;
    }

    public async Task UpdateAsync(User user)
    {
        user.UpdatedAt = Clock.NowMs();
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await c.ExecuteAsync("""
            UPDATE users SET email = @Email, password_hash = @PasswordHash, role = @Role, is_active = @IsActive,
                note = @Note, updated_at = @UpdatedAt WHERE id = @Id
            """, user).ConfigureAwait(false);
        if (!user.IsActive)
        {
            await c.ExecuteAsync("DELETE FROM sessions WHERE user_id = @Id", user).ConfigureAwait(false);
        }
    }

    public async Task<bool> DeleteAsync(long id)
    {
        return await db.ExecuteAsync("DELETE FROM users WHERE id = @id", new { id }).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<Group>> ListGroupsAsync()
    {
        return await db.QueryAsync<Group>("SELECT id, name, title FROM groups ORDER BY name").ConfigureAwait(false);
    }

    public async Task<Group?> FindGroupAsync(string name)
    {
        return await db.QuerySingleOrDefaultAsync<Group>("SELECT id, name, title FROM groups WHERE name = @name", new { name }).ConfigureAwait(false);
    }

    public async Task<Group?> CreateGroupAsync(string name, string title)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        var id = await c.ExecuteScalarAsync<long?>("INSERT INTO groups (name, title) VALUES (@name, @title) ON CONFLICT (name) DO NOTHING RETURNING id",
            new { name, title }).ConfigureAwait(false);
        return id is null ? null : new Group { Id = id.Value, Name = name, Title = title };
    }

    public async Task<bool> DeleteGroupAsync(long id)
    {
        return await db.ExecuteAsync("DELETE FROM groups WHERE id = @id", new { id }).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<GroupMember>> MembersAsync(long groupId)
    {
        return await db.QueryAsync<GroupMember>("""
            SELECT m.group_id, m.user_id, u.login, m.can_dvr, m.can_ptz, m.can_manage
            FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = @groupId ORDER BY u.login
            """, new { groupId }).ConfigureAwait(false);
    }

    public async Task SetMemberAsync(GroupMember m)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await c.ExecuteAsync("""
            INSERT INTO group_members (group_id, user_id, can_dvr, can_ptz, can_manage) VALUES (@GroupId, @UserId, @CanDvr, @CanPtz, @CanManage)
            ON CONFLICT (group_id, user_id) DO UPDATE SET can_dvr = excluded.can_dvr, can_ptz = excluded.can_ptz, can_manage = excluded.can_manage
            """, m).ConfigureAwait(false);
    }

    public async Task<bool> RemoveMemberAsync(long groupId, long userId)
    {
        return await db.ExecuteAsync("DELETE FROM group_members WHERE group_id = @groupId AND user_id = @userId", new { groupId, userId }).ConfigureAwait(false) > 0;
    }

    /// <summary>Makes the user's memberships exactly these groups (made when missing), keeping the rights of those it already had.</summary>
    public async Task SetGroupsAsync(long userId, IReadOnlyList<string> groups)
    {
        await using var c = await db.OpenAsync().ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync().ConfigureAwait(false);
        var ids = new List<long>();
        foreach (var name in groups.Distinct(StringComparer.Ordinal))
        {
            await c.ExecuteAsync("INSERT INTO groups (name, title) VALUES (@name, @name) ON CONFLICT (name) DO NOTHING", new { name }, tx).ConfigureAwait(false);
            ids.Add(await c.ExecuteScalarAsync<long>("SELECT id FROM groups WHERE name = @name", new { name }, tx).ConfigureAwait(false));
        }
        var current = (await c.QueryAsync<long>("SELECT group_id FROM group_members WHERE user_id = @userId", new { userId }, tx).ConfigureAwait(false)).ToHashSet();
        foreach (var gone in current.Except(ids))
        {
            await c.ExecuteAsync("DELETE FROM group_members WHERE group_id = @gone AND user_id = @userId", new { gone, userId }, tx).ConfigureAwait(false);
        }
        foreach (var added in ids.Except(current))
        {
            await c.ExecuteAsync("INSERT INTO group_members (group_id, user_id) VALUES (@added, @userId)", new { added, userId }, tx).ConfigureAwait(false);
        }
        await tx.CommitAsync().ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<GroupMember>> MembershipsAsync(long userId)
    {
        return await db.QueryAsync<GroupMember>(
            "SELECT group_id, user_id, can_dvr, can_ptz, can_manage FROM group_members WHERE user_id = @userId", new { userId }).ConfigureAwait(false);
    }
}
