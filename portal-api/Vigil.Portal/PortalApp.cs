using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Portal.Api;
using Vigil.Portal.Auth;
using Vigil.Portal.CameraControl;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;
using Vigil.Portal.Devices;
using Vigil.Portal.Discovery;
using Vigil.Portal.Hooks;
using Vigil.Portal.Import;
using Vigil.Portal.Playback;
using Vigil.Portal.Relays;
using Vigil.Portal.Rollouts;
using Vigil.Portal.Settings;
using Vigil.Portal.Streamers;

namespace Vigil.Portal;

/// <summary>Builds and starts a portal: the composition root, used by Program and by the tests alike.</summary>
public static class PortalApp
{
    /// <summary>The account made at the first start and its one-time password, when this start made it.</summary>
    public sealed record FirstAdmin(string Login, string Password);

    /// <summary>
    /// Migrates the schema, makes the installation's keys and (when there is no user yet) the first
    /// admin, then builds the app. The admin's password is returned only by the start that made it.
    /// </summary>
    public static async Task<(WebApplication App, FirstAdmin? Admin)> CreateAsync(PortalOptions options, Action<ILoggingBuilder>? logging = null)
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Listen);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // Imports stream their bodies (a 100,000-row CSV is tens of MB); JSON bodies are capped per request.
            k.Limits.MaxRequestBodySize = 512L * 1024 * 1024;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss "; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Every request to a streamer or relay would be four lines (the probes run every few seconds); the portal logs what matters itself.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        logging?.Invoke(builder.Logging);

        var db = Database.Open(options.Database);
        using (var bootLog = LoggerFactory.Create(l => { l.AddSimpleConsole(o => o.SingleLine = true); logging?.Invoke(l); }))
        {
            // Before anything reads a key out of them: files an older version left readable to others.
            PrivateFiles.Tighten([.. db.SqlitePath is { } sqlite ? PrivateFiles.SqliteFiles(sqlite) : [], .. options.EmbeddedRelay.Length > 0 ? EmbeddedRelay.SecretFiles(options) : []],
                bootLog.CreateLogger("Vigil.Portal.Secrets"));
            await new Migrator(db, bootLog.CreateLogger<Migrator>()).MigrateAsync().ConfigureAwait(false);
        }
        var secrets = await PortalSecrets.LoadOrCreateAsync(db).ConfigureAwait(false);
        var hasher = new PasswordHasher(options.PasswordIterations);
        var admin = await MakeFirstAdminAsync(new UserStore(db), hasher, options).ConfigureAwait(false);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(secrets);
        builder.Services.AddSingleton(db);
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<CameraStore>();
        builder.Services.AddSingleton<StreamerStore>();
        builder.Services.AddSingleton<SettingsStore>();
        builder.Services.AddSingleton<FavoriteStore>();
        builder.Services.AddSingleton<Import.UserImport>();
        builder.Services.AddSingleton<Import.CameraImport>();
        builder.Services.AddSingleton(hasher);
        builder.Services.AddSingleton(new LoginThrottle());
        builder.Services.AddSingleton<AuthService>();
        builder.Services.AddSingleton<CameraAccess>();
        builder.Services.AddSingleton<PlayAuthorizer>();
        builder.Services.AddSingleton<DeviceStore>();
        builder.Services.AddSingleton<RelayStore>();
        builder.Services.AddSingleton<NodeAuth>();
        builder.Services.AddSingleton<DeviceAssignments>();
        builder.Services.AddSingleton<Devices.CameraPlacement>();
        builder.Services.AddSingleton<Devices.DeviceApproval>();
        builder.Services.AddSingleton<Devices.DeviceBinding>();
        builder.Services.AddSingleton<Devices.StickerClaims>();
        builder.Services.AddSingleton<Devices.StreamerFailover>();
        builder.Services.AddSingleton<CodecPlacement>();
        builder.Services.AddSingleton<EnrolmentMetrics>();
        builder.Services.AddSingleton<EnrolmentPolicy>();
        builder.Services.AddSingleton<Discovery.ScanImport>();
        builder.Services.AddSingleton<Discovery.AgentTunnel>();
        builder.Services.AddSingleton<Discovery.OnvifThroughAgent>();
        builder.Services.AddSingleton<PtzAuditStore>();
        builder.Services.AddSingleton<CameraControl.CameraOnvif>();
        builder.Services.AddSingleton<CameraControl.PtzControl>();
        builder.Services.AddSingleton<CameraControl.SnapshotService>();
        builder.Services.AddSingleton<CameraControl.ArchiveStill>();
        builder.Services.AddHttpClient(CameraControl.ArchiveStill.HttpClientName);
        builder.Services.AddSingleton<EventStore>();
        builder.Services.AddSingleton<CameraControl.EventWebhook>();
        builder.Services.AddHostedService(s => s.GetRequiredService<CameraControl.EventWebhook>());
        builder.Services.AddSingleton<CameraControl.EventSubscriber>();
        builder.Services.AddHostedService(s => s.GetRequiredService<CameraControl.EventSubscriber>());
        builder.Services.AddHttpClient(CameraControl.EventWebhook.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddHostedService(s => s.GetRequiredService<CameraControl.PtzControl>());
        builder.Services.AddSingleton<AgentReleaseStore>();
        builder.Services.AddSingleton<RolloutStore>();
        builder.Services.AddSingleton<Rollouts.ReleaseUpload>();
        builder.Services.AddSingleton<Rollouts.RolloutPlan>();
        builder.Services.AddSingleton<Rollouts.RolloutDriver>();
        builder.Services.AddHostedService(s => s.GetRequiredService<Rollouts.RolloutDriver>());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Web.ContentPolicy>();
        builder.Services.AddHttpClient<RelayClient>(c =>
        {
            c.Timeout = TimeSpan.FromSeconds(70);
            c.MaxResponseContentBufferSize = RelayClient.MaxAnswerBytes;
        });
        builder.Services.AddHttpClient<ExternalLogin>(c => c.Timeout = ExternalLogin.Timeout + TimeSpan.FromSeconds(1));
        builder.Services.AddHttpClient(Streamers.StreamerHealth.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(2));
        builder.Services.AddHostedService<Streamers.StreamerHealth>();
        if (options.EmbeddedRelay.Length > 0)
        {
            builder.Services.AddHostedService<EmbeddedRelay>();
        }
        builder.Services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        builder.Services.AddOpenApi();

        var app = builder.Build();
        TrustedProxies.Use(app, options, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil.Portal.Proxies"));
        app.UseMiddleware<ErrorMiddleware>();
        // The streamers' hooks carry their own key, never a session: they skip finding a caller.
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/hooks", StringComparison.Ordinal), b => b.UseMiddleware<CallerMiddleware>());
        app.MapOpenApi("/api/openapi.json");
        app.MapGet("/healthz", async (Database database) =>
        {
            await using var c = await database.OpenAsync();
            return Results.Text("ok\n");
        });
        var api = app.MapGroup("/api/v1");
        AuthEndpoints.Map(api);
        ImportEndpoints.Map(api);
        UserEndpoints.Map(api);
        CameraEndpoints.Map(api);
        PlaybackEndpoints.Map(api);
        ClipEndpoints.Map(api);
        FavoriteEndpoints.Map(api);
        StreamerEndpoints.Map(api);
        DeviceEndpoints.Map(api);
        RelayEndpoints.Map(api, app);
        SettingsEndpoints.Map(api);
        HookEndpoints.Map(app);
        DiscoveryEndpoints.Map(api);
        PtzEndpoints.Map(api);
        SnapshotEndpoints.Map(api);
        EventEndpoints.Map(api);
        ReleaseEndpoints.Map(api);
        RolloutEndpoints.Map(api);
        Web.WebFrontend.Map(app, options, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil.Portal.Web"));
        return (app, admin);
    }

    public static void Configure(JsonSerializerOptions o)
    {
        o.TypeInfoResolverChain.Insert(0, PortalJsonContext.Default);
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
    }

    private static async Task<FirstAdmin?> MakeFirstAdminAsync(UserStore users, PasswordHasher hasher, PortalOptions options)
    {
        if (await users.CountAsync().ConfigureAwait(false) > 0)
        {
            return null;
        }
        var password = PasswordHasher.Generate();
        var admin = await users.CreateAsync(new User { Login = options.AdminLogin, PasswordHash = hasher.Hash(password), Role = Roles.Admin, Note = "made at the first start" }).ConfigureAwait(false);
        return admin is null ? null : new FirstAdmin(admin.Login, password);
    }
}
