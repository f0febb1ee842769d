using Microsoft.AspNetCore.Http;
using Vigil.Portal.Api;
using Vigil.Portal.Data;

namespace Vigil.Portal.Auth;

/// <summary>Who is asking: a user (by session or API key) or nobody.</summary>
public sealed class Caller
{
    public static readonly Caller Anonymous = new(null, null);

    public Caller(User? user, string? sessionHash)
    {
        User = user;
        SessionHash = sessionHash;
    }

    public User? User { get; }
    public string? SessionHash { get; }
    public bool IsAuthenticated => User is not null;
    public long UserId => User?.Id ?? 0;
    public bool IsAdmin => User?.Role == Roles.Admin;
    /// <summary>Operators and admins: the people who run the service.</summary>
    public bool IsStaff => User?.Role is Roles.Admin or Roles.Operator;

    public Caller RequireUser() => IsAuthenticated ? this : throw ApiException.Unauthorized();

    public Caller RequireStaff()
    {
        RequireUser();
        return IsStaff ? this : throw ApiException.Forbidden("operators and admins only");
    }

    public Caller RequireAdmin()
    {
        RequireUser();
        return IsAdmin ? this : throw ApiException.Forbidden("admins only");
    }

    public static Caller Of(HttpContext context) =>
        context.Items.TryGetValue(typeof(Caller), out var c) && c is Caller caller ? caller : Anonymous;
}
