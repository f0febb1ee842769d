using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.Data;

namespace Vigil.Portal.Settings;

public sealed record Branding(string Title, string? Logo, string PrimaryColor, string AccentColor);
public sealed record BrandingInput(string? Title, string? Logo, string? PrimaryColor, string? AccentColor);
public sealed record AuthSettings(string? BackendUrl);

/// <summary>Branding (read by anyone: the login page shows it) and the external login backend (admins).</summary>
internal static class SettingsEndpoints
{
    public const int MaxLogoBytes = 256 * 1024;

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/branding", async (SettingsStore settings) => Results.Json(await BrandingAsync(settings), PortalJsonContext.Default.Branding));
        api.MapPut("/branding", async (HttpContext ctx, SettingsStore settings) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.BrandingInput);
            Check.Throw(Check.LengthError("title", body.Title, 100),
                body.Logo is { Length: > 0 } logo && !(logo.StartsWith("data:image/", StringComparison.Ordinal) || Uri.TryCreate(logo, UriKind.Absolute, out var u) && u.Scheme is "https" or "http")
                    ? "logo must be an http(s) URL or a data:image/ URL" : null,
                Check.LengthError("logo", body.Logo, MaxLogoBytes),
                ColorError("primary_color", body.PrimaryColor), ColorError("accent_color", body.AccentColor));
            await settings.SetAsync(new Dictionary<string, string?>
            {
                [SettingsStore.BrandingTitle] = body.Title,
                [SettingsStore.BrandingLogo] = body.Logo,
                [SettingsStore.BrandingPrimaryColor] = body.PrimaryColor,
                [SettingsStore.BrandingAccentColor] = body.AccentColor,
            }.Where(kv => kv.Value is not null).ToDictionary());
            return Results.NoContent();
        });
        api.MapGet("/settings/auth", async (HttpContext ctx, SettingsStore settings) =>
        {
            Caller.Of(ctx).RequireAdmin();
            return Results.Json(new AuthSettings(await settings.GetAsync(SettingsStore.AuthBackendUrl)), PortalJsonContext.Default.AuthSettings);
        });
        api.MapPut("/settings/auth", async (HttpContext ctx, SettingsStore settings) =>
        {
            Caller.Of(ctx).RequireAdmin();
            var body = await JsonBody.ReadAsync(ctx, PortalJsonContext.Default.AuthSettings);
            Check.Throw(Check.UrlError("backend_url", body.BackendUrl, "http", "https"));
            await settings.SetAsync(new Dictionary<string, string?> { [SettingsStore.AuthBackendUrl] = string.IsNullOrEmpty(body.BackendUrl) ? null : body.BackendUrl });
            return Results.NoContent();
        });
    }

    /// <summary>The operator's branding, the defaults where none is set (the API and the web app's manifest).</summary>
    public static async Task<Branding> BrandingAsync(SettingsStore settings)
    {
        var all = await settings.AllAsync().ConfigureAwait(false);
        return new Branding(
            all.GetValueOrDefault(SettingsStore.BrandingTitle, "Vigil"),
            all.GetValueOrDefault(SettingsStore.BrandingLogo),
            all.GetValueOrDefault(SettingsStore.BrandingPrimaryColor, "#1f6feb"),
            all.GetValueOrDefault(SettingsStore.BrandingAccentColor, "#f0883e"));
    }

    private static string? ColorError(string field, string? value) =>
        value is null || (value.Length is 4 or 7 && value[0] == '#' && value.AsSpan(1).ContainsAnyExcept("0123456789abcdefABCDEF") == false)
            ? null : $"{field} must be a #rgb or #rrggbb colour";
}
