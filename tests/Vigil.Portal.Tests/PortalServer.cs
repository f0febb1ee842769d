using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Vigil.Portal.Tests;

/// <summary>
/// A real portal on a loopback port (Kestrel, the real database), with its log captured so tests
/// can check that no secret is ever written. The KDF cost is lowered for speed: the production cost
/// is checked on its own.
/// </summary>
public sealed class PortalServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PortalServer(WebApplication app, PortalOptions options, Uri baseAddress, PortalApp.FirstAdmin admin, LogCapture log)
    {
        _app = app;
        Options = options;
        BaseAddress = baseAddress;
        Admin = admin;
        Log = log;
    }

    public PortalOptions Options { get; }
    public Uri BaseAddress { get; }
    public PortalApp.FirstAdmin Admin { get; }
    public LogCapture Log { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a portal on a new database; or, with <paramref name="sharing"/>, another instance on that one's database.</summary>
    public static async Task<PortalServer> StartAsync(string databaseKind, Action<PortalOptions>? configure = null, PortalServer? sharing = null)
    {
        var options = new PortalOptions
        {
            Listen = "http://127.0.0.1:0",
            Database = sharing?.Options.Database ?? await TestDatabases.CreateAsync(databaseKind),
            PasswordIterations = 10_000,
            StreamerProbeSeconds = 1,
        };
        configure?.Invoke(options);
        var log = new LogCapture();
        var (app, admin) = await PortalApp.CreateAsync(options, l => l.AddProvider(log));
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        return new PortalServer(app, options, address, admin ?? sharing?.Admin ?? throw new InvalidOperationException("no first admin"), log);
    }

    /// <summary>A client with no credentials.</summary>
    public PortalClient Anonymous() => new(new HttpClient { BaseAddress = BaseAddress });

    public async Task<PortalClient> LoginAsync(string login, string password)
    {
        var client = Anonymous();
        var response = await client.PostJsonAsync("/api/v1/auth/login", new { login, password });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), () => response.Text + "\n" + Log.Text);
        client.Bearer(response.Json!["token"]!.GetValue<string>());
        return client;
    }

    public Task<PortalClient> AdminAsync() => LoginAsync(Admin.Login, Admin.Password);

    /// <summary>Makes a user with the role and returns a client logged in as it.</summary>
    public async Task<(PortalClient Client, long Id)> UserAsync(PortalClient admin, string login, string role = "user")
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var created = await admin.PostJsonAsync("/api/v1/users", new { login, password, role });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        return (await LoginAsync(login, password), created.Json!["id"]!.GetValue<long>());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>An HTTP client that speaks the portal's JSON and keeps the whole answer for asserts.</summary>
public sealed class PortalClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public sealed record Answer(HttpStatusCode Status, string Text, HttpResponseMessage Response)
    {
        public JsonNode? Json => Text.Length > 0 && (Text[0] is '{' or '[') ? JsonNode.Parse(Text) : null;
        public string? Error => Json is JsonObject o && o["error"] is { } e ? e.GetValue<string>() : null;
    }

    public void Bearer(string token) => Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    public Task<Answer> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
    public Task<Answer> DeleteAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Delete, path));
    public Task<Answer> PostJsonAsync(string path, object? body) => SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) });
    public Task<Answer> PatchJsonAsync(string path, object? body) => SendAsync(new HttpRequestMessage(HttpMethod.Patch, path) { Content = Json(body) });
    public Task<Answer> PutJsonAsync(string path, object? body) => SendAsync(new HttpRequestMessage(HttpMethod.Put, path) { Content = Json(body) });

    public Task<Answer> PostRawAsync(string path, string body, string contentType) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)) });

    public async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            var response = await Http.SendAsync(request);
            return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response);
        }
    }

    private static HttpContent Json(object? body) =>
        body is string s ? new StringContent(s, Encoding.UTF8, "application/json") : JsonContent.Create(body, options: Snake);

    public static readonly JsonSerializerOptions Snake = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Dispose() => Http.Dispose();
}

/// <summary>Everything the portal logs, kept for asserts.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly StringBuilder _text = new();

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._text)
            {
                owner._text.Append(logLevel).Append(' ').Append(category).Append(": ").Append(formatter(state, exception)).Append(exception).Append('\n');
            }
        }
    }
}
