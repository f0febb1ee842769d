namespace Vigil.Live;

/// <summary>
/// One viewer's WebRTC session: its Janus session and streaming handle, the token it came with, and
/// how it ends (once: the viewer leaving, the portal refusing it now, Janus hanging up, the camera's
/// stream ending).
/// </summary>
public sealed class ViewerSession(string id, string camera, string token, string address, long janusSession, long janusHandle)
{
    private readonly CancellationTokenSource _ended = new();
    private string? _reason;

    public string Id { get; } = id;
    public string Camera { get; } = camera;
    public string Token { get; } = token;
    public string Address { get; } = address;
    public long JanusSession { get; } = janusSession;
    public long JanusHandle { get; } = janusHandle;
    public DateTime StartedAt { get; } = DateTime.UtcNow;
    public bool Answered { get; set; }
    /// <summary>When the viewer's page last said it is there (its answer, its keepalives).</summary>
    public DateTime LastHeard { get; set; } = DateTime.UtcNow;

    /// <summary>Cancelled when the session ends, whoever ends it.</summary>
    public CancellationToken Ending => _ended.Token;
    public string Reason => _reason ?? "";

    /// <summary>Ends the session for a reason; later calls change nothing.</summary>
    public void End(string reason)
    {
        if (Interlocked.CompareExchange(ref _reason, reason, null) is null)
        {
            _ended.Cancel();
        }
    }
}
