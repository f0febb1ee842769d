using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Vigil.Portal.Api;
using Vigil.Portal.Data;

namespace Vigil.Portal.CameraControl;

/// <summary>The webhook an operator sets for camera events: where, and the secret that signs each body.</summary>
public sealed record EventWebhookInput(string? Url, string? Secret);

public sealed record EventWebhookView(string Url, bool SecretSet);

/// <summary>
/// Sends each camera event to the operator's webhook as JSON, signed with HMAC-SHA256 of the body
/// under the webhook's secret in X-Vigil-Signature ("sha256=" and the hex digest). A bounded queue
/// (the oldest event dropped when a slow receiver lets it fill), one attempt each with a short
/// timeout: the events stay in the database either way.
/// </summary>
public sealed class EventWebhook(SettingsStore settings, IHttpClientFactory http, ILogger<EventWebhook> log) : BackgroundService
{
    public const string HttpClientName = "event-webhook";
    public const string UrlKey = "events.webhook_url";
    public const string SecretKey = "events.webhook_secret";
    public const string SignatureHeader = "X-Vigil-Signature";
    private const int Queued = 1000;
    private readonly Channel<CameraEvent> _queue = Channel.CreateBounded<CameraEvent>(new BoundedChannelOptions(Queued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Enqueue(CameraEvent e) => _queue.Writer.TryWrite(e);

    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var e in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            var url = await settings.GetAsync(UrlKey).ConfigureAwait(false);
            var secret = await settings.GetAsync(SecretKey).ConfigureAwait(false);
            if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(secret))
            {
                continue;
            }
            var body = JsonSerializer.SerializeToUtf8Bytes(e, PortalJsonContext.Default.CameraEvent);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(secret, body));
                using var response = await http.CreateClient(HttpClientName).SendAsync(request, stoppingToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    PortalLog.EventWebhookFailed(log, e.Camera, $"HTTP {(int)response.StatusCode}");
                }
            }
            catch (Exception x) when (x is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                PortalLog.EventWebhookFailed(log, e.Camera, x is TaskCanceledException ? "no answer in time" : x.Message);
            }
        }
    }
}
