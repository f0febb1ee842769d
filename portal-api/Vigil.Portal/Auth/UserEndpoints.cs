using Vigil.Portal.Api;
using Vigil.Portal.Data;

namespace Vigil.Portal.Auth;

public sealed record UserInput(string? Login, string? Email, string? Password, string? Role, bool? IsActive, string? Note);
public sealed record GroupInput(string? Name, string? Title);
public sealed record MemberInput(bool? CanDvr, bool? CanPtz, bool? CanManage);

/// <summary>Users and groups: admins only, but for reading the groups (operators file cameras under them).</summary>
internal static class UserEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/users", async (HttpContext ctx, UserStore users) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var page = Paging.From(ctx);
            var search = ctx.Request.Query["q"].ToString().Trim();
            Check.Throw(Check.LengthError("q", search, 100));
            return page.Answer(ctx, await users.ListAsync(page.Fetch, page.Offset, search.Length > 0 ? search : null), PortalJsonContext.Default.IReadOnlyListUser);
        });
        api.MapGet("/users/{id:long}", async (HttpContext ctx, long id, UserStore users) =>
        {
            Caller.Of(ctx).RequireAdmin();
            return Results.Json(await users.GetAsync(id) ?? throw ApiException.NotFound("user"), PortalJsonContext.Default.User);
        });
        api.MapPost("/users", CreateAsync);
        api.MapPatch("/users/{id:long}", UpdateAsync);
        api.MapDelete("/users/{id:long}", async (HttpContext ctx, long id, UserStore users, AuthService auth) =>
        {
            var caller = Caller.Of(ctx).RequireAdmin();
            if (id == caller.UserId)
            {
                throw ApiException.Conflict("an admin cannot delete their own account");
            }
            var deleted = await users.DeleteAsync(id);
            auth.Invalidate();
            return deleted ? Results.NoContent() : throw ApiException.NotFound("user");
        });

        api.MapGet("/groups", async (HttpContext ctx, UserStore users) =>
        {
            Caller.Of(ctx).RequireStaff();
            var page = Paging.From(ctx, Paging.MaxLimit);
            return page.Answer(ctx, page.Slice(await users.ListGroupsAsync()), PortalJsonContext.Default.IReadOnlyListGroup);
        });
        api.MapPost("/groups", async (HttpContext ctx, UserStore users) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.GroupInput);
            Check.Throw(Check.NameError("name", body.Name), Check.LengthError("title", body.Title, 200));
            var group = await users.CreateGroupAsync(body.Name!, body.Title ?? "") ?? throw ApiException.Conflict($"group '{body.Name}' exists");
            return Results.Json(group, PortalJsonContext.Default.Group, statusCode: StatusCodes.Status201Created);
        });
        api.MapDelete("/groups/{name}", async (HttpContext ctx, string name, UserStore users, CameraAccess access) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var group = await users.FindGroupAsync(name) ?? throw ApiException.NotFound("group");
            await users.DeleteGroupAsync(group.Id);
            access.Invalidate();
            return Results.NoContent();
        });
        api.MapGet("/groups/{name}/members", async (HttpContext ctx, string name, UserStore users) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var group = await users.FindGroupAsync(name) ?? throw ApiException.NotFound("group");
            var page = Paging.From(ctx, Paging.MaxLimit);
            return page.Answer(ctx, page.Slice(await users.MembersAsync(group.Id)), PortalJsonContext.Default.IReadOnlyListGroupMember);
        });
        api.MapPut("/groups/{name}/members/{userId:long}", async (HttpContext ctx, string name, long userId, UserStore users, CameraAccess access) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.MemberInput);
            var group = await users.FindGroupAsync(name) ?? throw ApiException.NotFound("group");
            _ = await users.GetAsync(userId) ?? throw ApiException.NotFound("user");
            await users.SetMemberAsync(new GroupMember { GroupId = group.Id, UserId = userId, CanDvr = body.CanDvr ?? false, CanPtz = body.CanPtz ?? false, CanManage = body.CanManage ?? false });
            access.Invalidate(userId);
            return Results.NoContent();
        });
        api.MapDelete("/groups/{name}/members/{userId:long}", async (HttpContext ctx, string name, long userId, UserStore users, CameraAccess access) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var group = await users.FindGroupAsync(name) ?? throw ApiException.NotFound("group");
            var removed = await users.RemoveMemberAsync(group.Id, userId);
            access.Invalidate(userId);
            return removed ? Results.NoContent() : throw ApiException.NotFound("membership");
        });
    }

    private static async Task<IResult> CreateAsync(HttpContext ctx, UserStore users, PasswordHasher hasher)
    {
        Caller.Of(ctx).RequireAdmin();
        var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.UserInput).ConfigureAwait(false);
        Validate(body, creating: true);
        var user = new User
        {
            Login = body.Login!,
            Email = body.Email ?? "",
            PasswordHash = body.Password is { Length: > 0 } p ? hasher.Hash(p) : null,
            Role = body.Role ?? Roles.User,
            IsActive = body.IsActive ?? true,
            Note = body.Note ?? "",
        };
        var created = await users.CreateAsync(user).ConfigureAwait(false) ?? throw ApiException.Conflict($"login '{body.Login}' is taken");
        return Results.Json(created, PortalJsonContext.Default.User, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(HttpContext ctx, long id, UserStore users, PasswordHasher hasher, AuthService auth, ILogger<AuthService> log)
    {
        var caller = Caller.Of(ctx).RequireAdmin();
        var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.UserInput).ConfigureAwait(false);
        Validate(body, creating: false);
        var user = await users.GetAsync(id).ConfigureAwait(false) ?? throw ApiException.NotFound("user");
        if (body.Login is not null && body.Login != user.Login)
        {
            throw ApiException.BadRequest("login cannot be changed");
        }
        if (id == caller.UserId && (body.Role is not null && body.Role != Roles.Admin || body.IsActive == false))
        {
            throw ApiException.Conflict("an admin cannot demote or deactivate their own account");
        }
        user.Email = body.Email ?? user.Email;
        user.Role = body.Role ?? user.Role;
        user.IsActive = body.IsActive ?? user.IsActive;
        user.Note = body.Note ?? user.Note;
        if (body.Password is { Length: > 0 } p)
        {
            user.PasswordHash = hasher.Hash(p);
        }
        await users.UpdateAsync(user).ConfigureAwait(false);
        auth.Invalidate();
        if (body.Password is { Length: > 0 })
        {
            // A new password ends what the old one opened: the user's other sessions and API keys.
            var (sessions, keys) = await auth.EndCredentialsAsync(id, id == caller.UserId ? caller.SessionHash : null).ConfigureAwait(false);
            PortalLog.PasswordChanged(log, user.Login, caller.User!.Login, sessions, keys);
        }
        return Results.Json(user, PortalJsonContext.Default.User);
    }

    private static void Validate(UserInput body, bool creating) => Check.Throw(FieldErrors(body, creating));

    /// <summary>What is wrong with a user's fields as written, shared by the JSON API and the CSV import.</summary>
    internal static string?[] FieldErrors(UserInput body, bool creating) =>
    [
        creating ? LoginError(body.Login) : null,
        Check.LengthError("email", body.Email, 254),
        body.Email is { Length: > 0 } e && !e.Contains('@', StringComparison.Ordinal) ? "email must be an address" : null,
        body.Password is { Length: > 0 and < 8 } ? "password must be at least 8 characters" : null,
        Check.LengthError("password", body.Password, 1024),
        body.Role is not null && !Roles.IsValid(body.Role) ? "role must be admin, operator or user" : null,
        Check.LengthError("note", body.Note, 2000),
    ];

    public static string? LoginError(string? login) =>
        string.IsNullOrWhiteSpace(login) ? "login is required"
        : login.Length > 100 ? "login is longer than 100 characters"
        : login.Any(char.IsControl) || login.Trim() != login ? "login may not hold control characters or surrounding spaces"
        : null;
}
