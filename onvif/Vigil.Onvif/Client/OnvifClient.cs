using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vigil.Onvif.Client;

/// <summary>
/// An ONVIF client for one device. It runs over any <see cref="HttpClient"/>: a plain one on a
/// LAN, or one whose handler dials through something else (see <see cref="OnvifHttp.ConnectThrough"/>),
/// which is how the portal will reach a camera behind an agent through a relay tunnel.
/// Authentication: a WS-Security UsernameToken (PasswordDigest) on every request when credentials
/// are given, and HTTP Digest when the device answers 401 with a Digest challenge.
/// </summary>
public sealed partial class OnvifClient
{
    private readonly HttpClient _http;
    private readonly OnvifCredentials? _credentials;
    private readonly OnvifClientOptions _options;
    private readonly ILogger _logger;
    private HttpDigest? _digest;

    public OnvifClient(HttpClient http, Uri deviceService, OnvifCredentials? credentials = null, OnvifClientOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(deviceService);
        _http = http;
        DeviceService = deviceService;
        _credentials = credentials;
        _options = options ?? new OnvifClientOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The device service address this client was given.</summary>
    public Uri DeviceService { get; }

    /// <summary>Device clock minus local clock, from <see cref="SyncClockAsync"/>; zero until then.</summary>
    public TimeSpan ClockOffset { get; private set; }

    /// <summary>
    /// Sends one operation to a service address and hands the body's first element to
    /// <paramref name="read"/>. Retries once with HTTP Digest when the device asks for it.
    /// </summary>
    public async Task<T> CallAsync<T>(Uri service, SoapRequest request, Func<System.Xml.XmlReader, T> read, bool authenticate, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var token = authenticate && _credentials is not null ? UsernameToken.Create(_credentials, DateTime.UtcNow + ClockOffset) : null;
                using var message = new HttpRequestMessage(HttpMethod.Post, service)
                {
                    Content = new ByteArrayContent(request.Write(token)),
                    Version = HttpVersion.Version11,
                };
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse($"application/soap+xml; charset=utf-8; action=\"{request.Action}\"");
                if (_digest is not null && _credentials is not null)
                {
                    message.Headers.TryAddWithoutValidation("Authorization", _digest.Authorize(_credentials, "POST", service.PathAndQuery));
                }
                using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    var challenge = HttpDigest.FromChallenges(response.Headers.WwwAuthenticate.Select(h => h.ToString()));
                    if (challenge is null || _credentials is null)
                    {
                        throw new OnvifException(OnvifErrorKind.NotAuthorized, _credentials is null
                            ? $"{request.Operation}: the device wants credentials (HTTP 401)"
                            : $"{request.Operation}: HTTP 401 without a Digest challenge this client can answer");
                    }
                    // A first challenge, or a stale nonce, earns one more try; a refusal of a fresh answer does not.
                    if (attempt == 0 || (attempt == 1 && challenge.Stale))
                    {
                        _digest = challenge;
                        OnvifClientLog.DigestChallenge(_logger, service.Authority, challenge.Algorithm);
                        continue;
                    }
                    throw new OnvifException(OnvifErrorKind.NotAuthorized, $"{request.Operation}: the device refused the credentials (HTTP 401)");
                }
                var body = await ReadBodyAsync(response, request.Operation, timeout.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status is not (>= 200 and < 300) and not (400 or 500) || body.Length == 0)
                {
                    throw new OnvifException(OnvifErrorKind.BadResponse, $"{request.Operation}: HTTP {status}{(body.Length == 0 ? " with an empty body" : "")}");
                }
                // 400 and 500 carry SOAP faults; SoapResponse turns them into exceptions.
                return SoapResponse.Read(body, request.Operation, read);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new OnvifException(OnvifErrorKind.Transport, $"{request.Operation}: no complete answer within {_options.RequestTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new OnvifException(OnvifErrorKind.Transport, $"{request.Operation}: {e.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "cannot connect",
                HttpRequestError.InvalidResponse => "not an HTTP answer",
                HttpRequestError.ResponseEnded => "the connection closed mid-answer",
                _ => e.Message,
            }}", e);
        }
        catch (IOException e)
        {
            throw new OnvifException(OnvifErrorKind.Transport, $"{request.Operation}: {e.Message}", e);
        }
    }

    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpResponseMessage response, string operation, CancellationToken ct) =>
        await CappedBody.ReadAsync(response, _options.MaxResponseBytes, ct).ConfigureAwait(false)
        ?? throw new OnvifException(OnvifErrorKind.BadResponse, $"{operation}: the answer is more than the {_options.MaxResponseBytes} bytes allowed");

    /// <summary>
    /// Reads the device's clock (GetSystemDateAndTime needs no credentials, ONVIF Core 5.9.4) and
    /// keeps its offset from the local clock, so that UsernameToken's Created is in device time.
    /// The offset is taken against the middle of the round trip.
    /// </summary>
    public async Task<DeviceClock> SyncClockAsync(CancellationToken ct = default)
    {
        var started = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        var clock = await CallAsync(DeviceService, SoapRequest.Of(OnvifNamespaces.Device, "GetSystemDateAndTime"), DeviceClock.Read, authenticate: false, ct).ConfigureAwait(false);
        if (clock.UtcTime is { } deviceUtc)
        {
            ClockOffset = deviceUtc - (started + (watch.Elapsed / 2));
            OnvifClientLog.ClockOffset(_logger, DeviceService.Authority, ClockOffset.TotalSeconds);
        }
        return clock;
    }
}
