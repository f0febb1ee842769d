using System.Net;
using System.Net.Http.Headers;

namespace Vigil.Onvif.Client;

/// <summary>
/// Fetches the JPEG a GetSnapshotUri address serves. Cameras guard it with HTTP Digest (Hikvision's
/// /onvif-http/snapshot does) or Basic (older Dahua firmware), whatever the SOAP side used; the
/// body is capped and must start as a JPEG does (FF D8), so an HTML login page is not taken for one.
/// </summary>
public static class SnapshotFetch
{
    public static async Task<byte[]> GetAsync(HttpClient http, Uri uri, OnvifCredentials? credentials, int maxBytes, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(uri);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            string? authorization = null;
            for (var attempt = 0; ; attempt++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = HttpVersion.Version11 };
                if (authorization is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0 && credentials is not null)
                {
                    authorization = Answer(response.Headers.WwwAuthenticate, credentials, uri)
                        ?? throw new OnvifException(OnvifErrorKind.NotAuthorized, "snapshot: HTTP 401 without a challenge this client can answer");
                    continue;
                }
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    throw new OnvifException(OnvifErrorKind.NotAuthorized, credentials is null ? "snapshot: the camera wants credentials (HTTP 401)" : "snapshot: the camera refused the credentials (HTTP 401)");
                }
                if (!response.IsSuccessStatusCode)
                {
                    throw new OnvifException(OnvifErrorKind.BadResponse, $"snapshot: HTTP {(int)response.StatusCode}");
                }
                var body = await CappedBody.ReadAsync(response, maxBytes, limit.Token).ConfigureAwait(false)
                    ?? throw new OnvifException(OnvifErrorKind.BadResponse, $"snapshot: the image is more than the {maxBytes} bytes allowed");
                if (body.Length < 4 || body.Span[0] != 0xFF || body.Span[1] != 0xD8)
                {
                    throw new OnvifException(OnvifErrorKind.BadResponse, "snapshot: the answer is not a JPEG");
                }
                return body.ToArray();
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new OnvifException(OnvifErrorKind.Transport, $"snapshot: no complete image within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new OnvifException(OnvifErrorKind.Transport, $"snapshot: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new OnvifException(OnvifErrorKind.Transport, $"snapshot: {e.Message}", e);
        }
    }

    private static string? Answer(HttpHeaderValueCollection<AuthenticationHeaderValue> challenges, OnvifCredentials credentials, Uri uri)
    {
        var values = challenges.Select(c => c.ToString()).ToList();
        if (HttpDigest.FromChallenges(values) is { } digest)
        {
            return digest.Authorize(credentials, "GET", uri.PathAndQuery);
        }
        return values.Any(v => v.StartsWith("Basic", StringComparison.OrdinalIgnoreCase))
            ? "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}"))
            : null;
    }
}
