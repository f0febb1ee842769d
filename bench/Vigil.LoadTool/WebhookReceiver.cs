using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vigil.LoadTool;

/// <summary>
/// The receiving end of the portal's event webhook, on loopback: checks each body's
/// X-Vigil-Signature (HMAC-SHA256 under the secret) and keeps, per event, the time from the
/// camera's own event time ("at") to its arrival here.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private const int MaxBody = 64 * 1024;
    private readonly WebApplication _app;
    private readonly byte[] _secret;
    private readonly List<double> _latencies = [];
    private int _badSignatures;

    private WebhookReceiver(WebApplication app, string secret, string url)
    {
        _app = app;
        _secret = Encoding.UTF8.GetBytes(secret);
        Url = url;
    }

    public string Url { get; }

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    public int Received
    {
        get
        {
            lock (_latencies)
            {
                return _latencies.Count;
            }
        }
    }

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var port = RelayProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var receiver = new WebhookReceiver(builder.Build(), secret, $"http://127.0.0.1:{port}/events");
        receiver._app.MapPost("/events", receiver.ReceiveAsync);
        await receiver._app.StartAsync().ConfigureAwait(false);
        return receiver;
    }

    /// <summary>Forgets what came so far (events of the warm-up).</summary>
    public void Reset()
    {
        lock (_latencies)
        {
            _latencies.Clear();
        }
    }

    /// <summary>The latencies in milliseconds, sorted.</summary>
    public List<double> Latencies()
    {
        lock (_latencies)
        {
            return [.. _latencies.Order()];
        }
    }

    private async Task ReceiveAsync(HttpContext ctx)
    {
        var arrived = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var body = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (body.Length + n > MaxBody)
            {
                ctx.Response.StatusCode = 413;
                return;
            }
            body.Write(buffer, 0, n);
        }
        var bytes = body.ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, bytes));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(ctx.Request.Headers["X-Vigil-Signature"].ToString())))
        {
            Interlocked.Increment(ref _badSignatures);
            ctx.Response.StatusCode = 401;
            return;
        }
        using var json = JsonDocument.Parse(bytes);
        var at = json.RootElement.GetProperty("at").GetInt64();
        lock (_latencies)
        {
            _latencies.Add(arrived - at);
        }
        ctx.Response.StatusCode = 204;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
