using Microsoft.AspNetCore.Http;
using Vigil.Portal.Api;

namespace Vigil.Portal.Auth;

/// <summary>
/// Finds who is calling: "Authorization: Bearer" (a session token or an API key) first, then the
/// session cookie. A request authenticated by cookie that changes anything must come from the
/// portal's own origin: the cookie is SameSite=Strict, and a foreign Origin header is refused.
/// </summary>
internal sealed class CallerMiddleware(RequestDelegate next, AuthService auth)
{
    public const string CookieName = "vigil_session";

    public async Task InvokeAsync(HttpContext context)
    {
        var caller = Caller.Anonymous;
        string? token = null;
        var fromCookie = false;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header[7..].Trim();
        }
        else if (context.Request.Cookies.TryGetValue(CookieName, out var cookie))
        {
            token = cookie;
            fromCookie = true;
        }
        if (token is { Length: > 3 and < 200 })
        {
            var apiKey = token.StartsWith(AuthService.ApiKeyPrefix, StringComparison.Ordinal);
            if (apiKey || token.StartsWith(AuthService.SessionPrefix, StringComparison.Ordinal))
            {
                var hash = Secrets.HashToken(token);
                var user = await auth.ResolveAsync(hash, apiKey).ConfigureAwait(false);
                if (user is not null)
                {
                    caller = new Caller(user, apiKey ? null : hash);
                }
            }
        }
        if (fromCookie && caller.IsAuthenticated && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && ForeignOrigin(context))
        {
            await ErrorMiddleware.WriteAsync(context, StatusCodes.Status403Forbidden, "cross-origin request refused").ConfigureAwait(false);
            return;
        }
        context.Items[typeof(Caller)] = caller;
        await next(context).ConfigureAwait(false);
    }

    private static bool ForeignOrigin(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return false;
        }
        return !Uri.TryCreate(origin, UriKind.Absolute, out var o) ||
               !string.Equals(o.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
