using System.Net.Http.Headers;
using System.Text;
using Vigil.Portal.Data;

namespace Vigil.Portal.Relays;

/// <summary>The portal's side of a relay node's API: commands to the agents it holds.</summary>
public sealed class RelayClient(HttpClient http)
{
    public const int MaxAnswerBytes = 1 << 20;

    public async Task<int> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    /// <summary>Sends a command through the node; returns the node's status and its JSON answer as is.</summary>
    public async Task<(int Status, string Body)> CommandAsync(RelayNode node, string deviceId, string commandJson, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{node.ApiUrl.TrimEnd('/')}/v1/sessions/{Uri.EscapeDataString(deviceId)}/commands")
        {
            Content = new StringContent(commandJson, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.ApiToken);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
        {
            return (502, "{\"error\":\"the relay's answer is too large\"}");
        }
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }
}
