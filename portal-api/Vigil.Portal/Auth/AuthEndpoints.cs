using Vigil.Portal.Api;
using Vigil.Portal.Data;

namespace Vigil.Portal.Auth;

public sealed record LoginRequest(string? Login, string? Password);
public sealed record LoginResponse(string Token, User User, long ExpiresAt);
public sealed record ApiKeyRequest(string? Name, int? ExpiresInDays);
public sealed record ApiKeyCreated(AuthService.ApiKeyInfo Key, string Secret);
public sealed record PasswordChange(string? CurrentPassword, string? NewPassword);

internal static class AuthEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/auth/login", LoginAsync);
        api.MapPost("/auth/logout", LogoutAsync);
        api.MapGet("/auth/whoami", (HttpContext ctx) => Results.Json(Caller.Of(ctx).RequireUser().User!, PortalJsonContext.Default.User));
        api.MapGet("/auth/api-keys", async (HttpContext ctx, AuthService auth) =>
            Results.Json(await auth.ListApiKeysAsync(Caller.Of(ctx).RequireUser().UserId), PortalJsonContext.Default.IReadOnlyListApiKeyInfo));
        api.MapPost("/auth/api-keys", CreateApiKeyAsync);
        api.MapPost("/auth/password", ChangePasswordAsync);
        api.MapDelete("/auth/api-keys/{id:long}", async (HttpContext ctx, long id, AuthService auth) =>
            await auth.DeleteApiKeyAsync(Caller.Of(ctx).RequireUser().UserId, id) ? Results.NoContent() : throw ApiException.NotFound("API key"));
    }

    private static async Task<IResult> LoginAsync(HttpContext ctx, AuthService auth)
    {
        var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.LoginRequest).ConfigureAwait(false);
        if (string.IsNullOrEmpty(body.Login) || body.Login.Length > 200 || body.Password is null || body.Password.Length > 1024)
        {
            throw ApiException.BadRequest("login and password are required");
        }
        var address = ctx.Connection.RemoteIpAddress?.ToString() ?? "";
        var result = await auth.LoginAsync(body.Login, body.Password, address, ctx.RequestAborted).ConfigureAwait(false);
        if (result.RetryAfter > 0)
        {
            ctx.Response.Headers.RetryAfter = result.RetryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new ApiException(StatusCodes.Status429TooManyRequests, result.Error!);
        }
        if (result.Token is null)
        {
            throw new ApiException(StatusCodes.Status401Unauthorized, result.Error!);
        }
        ctx.Response.Cookies.Append(CallerMiddleware.CookieName, result.Token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = ctx.Request.IsHttps,
            Path = "/",
            Expires = DateTimeOffset.FromUnixTimeMilliseconds(result.ExpiresAt),
        });
        return Results.Json(new LoginResponse(result.Token, result.User!, result.ExpiresAt), PortalJsonContext.Default.LoginResponse);
    }

    private static async Task<IResult> LogoutAsync(HttpContext ctx, AuthService auth)
    {
        var caller = Caller.Of(ctx).RequireUser();
        if (caller.SessionHash is { } hash)
        {
            await auth.LogoutAsync(hash).ConfigureAwait(false);
        }
        ctx.Response.Cookies.Delete(CallerMiddleware.CookieName);
        return Results.NoContent();
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext ctx, AuthService auth, ILogger<AuthService> log)
    {
        var caller = Caller.Of(ctx).RequireUser();
        var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.PasswordChange).ConfigureAwait(false);
        Check.Throw(body.CurrentPassword is null ? "current_password is required" : null, Check.LengthError("current_password", body.CurrentPassword, 1024),
            body.NewPassword is not { Length: >= 8 } ? "new_password must be at least 8 characters" : null, Check.LengthError("new_password", body.NewPassword, 1024));
        var address = ctx.Connection.RemoteIpAddress?.ToString() ?? "";
        var (sessions, keys) = await auth.ChangePasswordAsync(caller, body.CurrentPassword!, body.NewPassword!, address, ctx.RequestAborted).ConfigureAwait(false);
        PortalLog.PasswordChanged(log, caller.User!.Login, caller.User.Login, sessions, keys);
        return Results.NoContent();
    }

    private static async Task<IResult> CreateApiKeyAsync(HttpContext ctx, AuthService auth)
    {
        var caller = Caller.Of(ctx).RequireUser();
        var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.ApiKeyRequest).ConfigureAwait(false);
        Check.Throw(string.IsNullOrWhiteSpace(body.Name) ? "name is required" : null, Check.LengthError("name", body.Name, 100),
            body.ExpiresInDays is < 1 or > 3650 ? "expires_in_days must be 1 to 3650" : null);
        var (info, key) = await auth.CreateApiKeyAsync(caller.UserId, body.Name!, body.ExpiresInDays is { } d ? TimeSpan.FromDays(d) : null).ConfigureAwait(false);
        return Results.Json(new ApiKeyCreated(info, key), PortalJsonContext.Default.ApiKeyCreated, statusCode: StatusCodes.Status201Created);
    }
}
