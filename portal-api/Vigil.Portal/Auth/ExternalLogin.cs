using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Vigil.Portal.Auth;

public enum ExternalVerdict
{
    /// <summary>Not configured, unreachable, slow, or it does not know the user: the local account decides.</summary>
    NoAnswer,
    Allowed,
    WrongPassword,
}

/// <summary>
/// Watcher's custom_auth: the portal POSTs login, password and the client's address (form-encoded)
/// to an operator's backend. 200 allows, with an optional {"groups": [...]} that sets the user's
/// groups; 403 is a wrong password; 404 an unknown user. When the backend fails or takes over two
/// seconds, the local account decides, so an outage of billing never locks admins out.
/// </summary>
public sealed class ExternalLogin(HttpClient http, ILogger<ExternalLogin> log)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private const int MaxGroups = 1000;

    public async Task<(ExternalVerdict Verdict, IReadOnlyList<string>? Groups)> AskAsync(string backendUrl, string login, string password, string address, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(Timeout);
        try
        {
            using var content = new FormUrlEncodedContent([new("login", login), new("password", password), new("ip", address)]);
            using var response = await http.PostAsync(backendUrl, content, cts.Token).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    var body = await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
                    return (ExternalVerdict.Allowed, ReadGroups(body));
                case HttpStatusCode.Forbidden:
                    return (ExternalVerdict.WrongPassword, null);
                case HttpStatusCode.NotFound:
                    return (ExternalVerdict.NoAnswer, null);
                default:
                    PortalLog.ExternalLoginFailed(log, $"status {(int)response.StatusCode}");
                    return (ExternalVerdict.NoAnswer, null);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            PortalLog.ExternalLoginFailed(log, $"no answer within {Timeout.TotalSeconds} s");
            return (ExternalVerdict.NoAnswer, null);
        }
        catch (HttpRequestException e)
        {
            PortalLog.ExternalLoginFailed(log, e.Message);
            return (ExternalVerdict.NoAnswer, null);
        }
    }

    /// <summary>The groups of a 200's body, or null when it names none (an empty or non-JSON body is a plain yes).</summary>
    internal static IReadOnlyList<string>? ReadGroups(byte[] body)
    {
        if (body.Length == 0 || body.Length > 1 << 20)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            var names = new List<string>();
            foreach (var g in groups.EnumerateArray())
            {
                if (g.ValueKind == JsonValueKind.String && g.GetString() is { Length: > 0 and <= 200 } name && names.Count < MaxGroups)
                {
                    names.Add(name);
                }
            }
            return names;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
