using System.Net;

namespace Vigil.Live;

/// <summary>The portal's answer about one viewer: allowed, refused, or no answer at all (the portal unreachable or erring).</summary>
public enum HookAnswer
{
    Allowed,
    Refused,
    Unreachable,
}

/// <summary>
/// Asks the portal whether a viewer may watch a camera, exactly as the node's nginx asks for HLS: a
/// GET of the streamer's nginx-rtmp hook with the viewer's request in X-Original-URI
/// (/CAMERA/webrtc?token=...), so that WebRTC and HLS are one decision: the token's signature,
/// expiry and camera, and the viewer's right to the camera now.
/// </summary>
public sealed class PlayHook(HttpClient http, LiveOptions options, ILogger<PlayHook> log)
{
    /// <summary>The portal's /healthz on the hook's origin (through the same client, so its connection is then open): null when it answers 2xx, else why not.</summary>
    public async Task<string?> HealthAsync(CancellationToken ct)
    {
        try
        {
            using var answer = await http.GetAsync(new Uri(new Uri(options.HookUrl), "/healthz"), ct).ConfigureAwait(false);
            return answer.IsSuccessStatusCode ? null : $"its /healthz answered {(int)answer.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return e.Message;
        }
    }

    public async Task<HookAnswer> AskAsync(string camera, string token, string address, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, options.HookUrl);
        request.Headers.TryAddWithoutValidation("X-Original-URI", $"/{camera}/webrtc?token={Uri.EscapeDataString(token)}");
        request.Headers.TryAddWithoutValidation("X-Real-IP", address);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return HookAnswer.Allowed;
            }
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return HookAnswer.Refused;
            }
            LiveLog.HookUnreachable(log, $"HTTP {(int)response.StatusCode}");
            return HookAnswer.Unreachable;
        }
        catch (HttpRequestException e)
        {
            LiveLog.HookUnreachable(log, e.Message);
            return HookAnswer.Unreachable;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            LiveLog.HookUnreachable(log, "timed out");
            return HookAnswer.Unreachable;
        }
    }
}
