using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vigil.Portal.Api;
using Vigil.Portal.Data;

namespace Vigil.Portal.Relays;

/// <summary>
/// The portal's side of a relay node's API: commands to the agents it holds, and closing a
/// device's link. The HttpClient buffers at most <see cref="MaxAnswerBytes"/> of an answer,
/// whether or not the node declares its length.
/// </summary>
public sealed partial class RelayClient(HttpClient http)
{
    public const int MaxAnswerBytes = 1 << 20;

    /// <summary>Asks the node to close the device's link (a revoked or rejected device).</summary>
    public async Task<int> DisconnectAsync(RelayRecord node, string deviceId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, SessionUrl(node, deviceId));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.ApiToken);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    /// <summary>Sends a command through the node; returns the node's status and its JSON answer as is (502 when the node fails).</summary>
    public async Task<(int Status, string Body)> CommandAsync(RelayRecord node, string deviceId, string commandJson, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SessionUrl(node, deviceId) + "/commands")
        {
            Content = new StringContent(commandJson, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.ApiToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            // Unreachable, or an answer past the buffer cap: the caller gets a 502 that says which.
            return (StatusCodes.Status502BadGateway, JsonSerializer.Serialize(new ErrorBody($"relay node {node.NodeId}: {e.Message}"), PortalJsonContext.Default.ErrorBody));
        }
        using (response)
        {
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        }
    }

    private static string SessionUrl(RelayRecord node, string deviceId) =>
        $"{node.ApiUrl.TrimEnd('/')}/v1/sessions/{Uri.EscapeDataString(deviceId)}";
}
