using System.Net.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Vigil.Archive.Retention;

/// <summary>Asks the portal for the archive policy every <c>PolicyRefreshSeconds</c>; an unreachable portal leaves the last depths in force.</summary>
public sealed class PolicyClient : BackgroundService
{
    private readonly ArchiveOptions _options;
    private readonly ArchivePolicy _policy;
    private readonly ILogger _log;

    public PolicyClient(ArchiveOptions options, ArchivePolicy policy, ILogger<PolicyClient> log)
    {
        _options = options;
        _policy = policy;
        _log = log;
    }

    /// <summary>Set each time the policy was read and applied.</summary>
    public DateTimeOffset? LastApplied { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(_options.PolicyUrl))
        {
            return;
        }
        var key = _options.PortalKeyFile is { } file ? (await File.ReadAllTextAsync(file, stoppingToken).ConfigureAwait(false)).Trim() : "";
        var url = _options.PolicyUrl + (_options.PolicyUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "key=" + Uri.EscapeDataString(key);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stoppingToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                if (response.Content.Headers.ContentLength > ArchivePolicy.MaxDocumentBytes)
                {
                    throw new InvalidDataException("the policy is larger than its cap");
                }
                await using var body = await response.Content.ReadAsStreamAsync(stoppingToken).ConfigureAwait(false);
                var buffer = new MemoryStream();
                await body.CopyToAsync(buffer, stoppingToken).ConfigureAwait(false);
                if (buffer.Length > ArchivePolicy.MaxDocumentBytes)
                {
                    throw new InvalidDataException("the policy is larger than its cap");
                }
                _policy.Apply(ArchivePolicy.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
                LastApplied = DateTimeOffset.UtcNow;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidDataException or System.Text.Json.JsonException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                ArchiveLog.PolicyFailed(_log, e.Message);
            }
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, _options.PolicyRefreshSeconds)), stoppingToken).ConfigureAwait(false);
        }
    }
}
