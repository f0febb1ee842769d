using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Protocol.Server;
using Vigil.Relay.Agents;
using Vigil.Relay.Api;

namespace Vigil.Relay.Portal;

/// <summary>
/// The node's side of the portal's internal API. Each new session is announced with the device's
/// hello: the portal answers the device's state and, when it is approved and bound, its assignment,
/// which goes on to the agent as an "assign" command; a rejected or revoked device is sent away for
/// a long while and closed. Connects and disconnects are batched into presence reports once a
/// second, with the session count as the node's heartbeat. After a failed report (or at start) the
/// next one is a snapshot of every current session, so the portal's view heals by itself.
/// </summary>
public sealed class PortalLink : BackgroundService, ISessionObserver
{
    /// <summary>How long a refused device is told to stay away before it tries again.</summary>
    public const int RefusedRetryAfterSeconds = 600;
    private const int MaxQueued = 100_000;
    private const int BatchSize = 5_000;

    private readonly RelayNode _node;
    private readonly HttpClient _http;
    private readonly Channel<NodePresenceEvent> _events = Channel.CreateBounded<NodePresenceEvent>(
        new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private volatile bool _snapshotDue = true;

    public PortalLink(RelayNode node, string portalUrl, string token)
    {
        _node = node;
        _http = new HttpClient { BaseAddress = new Uri(portalUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public static TimeSpan ReportEvery { get; set; } = TimeSpan.FromSeconds(1);

    public void Registered(RelaySession session)
    {
        _events.Writer.TryWrite(new NodePresenceEvent(session.DeviceId, true, session.RemoteHost));
        _ = AnnounceAsync(session);
    }

    public void Removed(RelaySession session) => _events.Writer.TryWrite(new NodePresenceEvent(session.DeviceId, false, null));

    /// <summary>Passes an agent's refusal on to the portal, which shows it and may place the camera elsewhere.</summary>
    public void MediaRefused(RelaySession session, string codec, string reason) => _ = TellRefusalAsync(session, new NodeMediaRefused(session.DeviceId, codec, reason));

    private async Task TellRefusalAsync(RelaySession session, NodeMediaRefused body)
    {
        // A few tries while the session lasts: the agent tells the next session again anyway.
        for (var attempt = 0; attempt < 3 && session.CloseReason is null; attempt++)
        {
            try
            {
                using var response = await _http.PostAsJsonAsync("internal/v1/media-refused", body, NodeJsonContext.Default.NodeMediaRefused).ConfigureAwait(false);
                if (response.IsSuccessStatusCode || (int)response.StatusCode is >= 400 and < 500)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(TimeSpan.FromSeconds(2 << attempt)).ConfigureAwait(false);
        }
    }

    /// <summary>Tells the portal of the session until it answers (or the session ends), then acts on the answer.</summary>
    private async Task AnnounceAsync(RelaySession session)
    {
        var hello = session.Hello!;
        var body = new NodeHello(session.DeviceId, Convert.ToBase64String(session.PublicKey), hello.Serial, hello.Model, hello.Firmware, hello.AgentVersion,
            hello.LocalAddress, session.RemoteHost, hello.EnrollToken, hello.Rid);
        var delay = TimeSpan.FromSeconds(1);
        while (session.CloseReason is null)
        {
            try
            {
                using var response = await _http.PostAsJsonAsync("internal/v1/hello", body, NodeJsonContext.Default.NodeHello).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    var answer = await response.Content.ReadFromJsonAsync(NodeJsonContext.Default.NodeHelloAnswer).ConfigureAwait(false);
                    if (answer is not null)
                    {
                        await ActAsync(session, answer).ConfigureAwait(false);
                    }
                    return;
                }
                RelayLog.PortalRefused(_node.Logger, session.DeviceId, (int)response.StatusCode);
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                RelayLog.PortalUnreachable(_node.Logger, e.Message);
            }
            await Task.Delay(delay).ConfigureAwait(false);
            delay = TimeSpan.FromSeconds(Math.Min(60, delay.TotalSeconds * 2));
        }
    }

    private async Task ActAsync(RelaySession session, NodeHelloAnswer answer)
    {
        switch (answer.State)
        {
            // "refused": a new device the portal's enrolment policy did not let in (a cap, no enrolment token).
            case "rejected" or "revoked" or "refused":
                RelayLog.DeviceRefused(_node.Logger, session.DeviceId, answer.State);
                await session.SendGoAwayAsync(RefusedRetryAfterSeconds, [], answer.State).ConfigureAwait(false);
                // The agent closes on a go-away; closing at once could cut the go-away off the wire, and
                // an agent that never saw it would come back after its short backoff instead of 600 s.
                for (var i = 0; i < 20 && !session.IsClosed; i++)
                {
                    await Task.Delay(100).ConfigureAwait(false);
                }
                session.Close(answer.State);
                break;
            case "approved" when answer.Assignment is { } assignment:
                try
                {
                    var (result, _) = await session.SendCommandAsync(AssignCommand.Assign, assignment.ToJson(),
                        TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
                    if (!result.Ok)
                    {
                        RelayLog.AssignmentRefused(_node.Logger, session.DeviceId, result.Error ?? "");
                    }
                }
                catch (Exception e) when (e is TimeoutException or LinkClosedException)
                {
                    RelayLog.AssignmentRefused(_node.Logger, session.DeviceId, e.Message);
                }
                break;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ReportEvery);
        var heartbeatEvery = (int)Math.Max(1, TimeSpan.FromSeconds(10) / ReportEvery);
        var tick = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var snapshot = _snapshotDue;
            var batches = new List<List<NodePresenceEvent>>();
            if (snapshot)
            {
                while (_events.Reader.TryRead(out _))
                {
                }
                // In pieces the portal accepts; the first piece marks the node's old sessions gone.
                batches.AddRange(_node.Registry.All.Select(s => new NodePresenceEvent(s.DeviceId, true, s.RemoteHost)).Chunk(BatchSize).Select(c => c.ToList()));
                if (batches.Count == 0)
                {
                    batches.Add([]);
                }
            }
            else
            {
                var batch = new List<NodePresenceEvent>();
                while (batch.Count < BatchSize && _events.Reader.TryRead(out var e))
                {
                    batch.Add(e);
                }
                if (batch.Count == 0 && ++tick % heartbeatEvery != 0)
                {
                    continue;
                }
                batches.Add(batch);
            }
            try
            {
                var first = true;
                foreach (var batch in batches)
                {
                    using var response = await _http.PostAsJsonAsync("internal/v1/presence", new NodePresence(_node.Registry.Count, snapshot && first, batch),
                        NodeJsonContext.Default.NodePresence, stoppingToken).ConfigureAwait(false);
                    first = false;
                    if (!response.IsSuccessStatusCode)
                    {
                        _snapshotDue = true;
                        RelayLog.PortalUnreachable(_node.Logger, $"presence refused with {(int)response.StatusCode}");
                        break;
                    }
                    _snapshotDue = false;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                _snapshotDue = true;
                RelayLog.PortalUnreachable(_node.Logger, e.Message);
            }
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
