using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;

namespace Vigil.Live;

/// <summary>
/// The node's live viewers and the cameras' feeds. A camera's feed (mountpoint and ffmpeg) starts
/// with its first viewer (or a warm request just before it) and stops <see cref="LiveOptions.LingerSeconds"/>
/// after its last leaves (at once past <see cref="LiveOptions.MaxIdleFeeds"/> idle feeds), or at once
/// when its stream ends, which ends its viewers too. Each viewer is allowed by the
/// portal's hook before anything starts and asked about again every RecheckMilliseconds while it
/// runs; a refusal ends its Janus session, which hangs up its PeerConnection.
/// </summary>
public sealed class LiveHub(LiveOptions options, JanusClient janus, PlayHook hook, ILogger<LiveHub> log)
{
    /// <summary>How long Janus may take to offer after a watch request.</summary>
    private static readonly TimeSpan OfferTimeout = TimeSpan.FromSeconds(10);
    private readonly object _gate = new();
    private readonly Dictionary<string, FeedSlot> _feeds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ViewerSession> _sessions = new(StringComparer.Ordinal);
    private int _viewers;

    /// <summary>Viewers now, and per camera, for the node's own monitoring.</summary>
    public LiveStats Stats()
    {
        lock (_gate)
        {
            return new LiveStats(_viewers, _feeds.Count, _feeds.ToDictionary(f => f.Key, f => f.Value.Viewers, StringComparer.Ordinal));
        }
    }

    /// <summary>A new viewer: the portal's decision, a seat, the camera's feed, a Janus session watching it, and Janus's offer.</summary>
    public async Task<(ViewerSession Session, string Offer)> OpenAsync(string camera, string token, string address, CancellationToken ct)
    {
        await AllowedAsync(camera, token, address, "the portal refused the token", ct).ConfigureAwait(false);
        var slot = Acquire(camera);
        long janusSession = 0;
        try
        {
            var feed = await slot.Feed.WaitAsync(ct).ConfigureAwait(false);
            janusSession = await janus.CreateSessionAsync(ct).ConfigureAwait(false);
            var handle = await janus.AttachAsync(janusSession, ct).ConfigureAwait(false);
            await janus.SendAsync(janusSession, handle, w =>
            {
                w.WriteString("request", "watch");
                w.WriteNumber("id", feed.Mountpoint);
            }, null, ct).ConfigureAwait(false);
            var offer = await OfferAsync(janusSession, ct).ConfigureAwait(false);
            var session = new ViewerSession(NewId(), camera, token, address, janusSession, handle);
            _sessions[session.Id] = session;
            _ = RunAsync(session, slot, feed);
            LiveLog.ViewerStarted(log, session.Id, camera, address);
            return (session, offer);
        }
        catch (Exception e)
        {
            if (janusSession != 0)
            {
                await janus.DestroySessionAsync(janusSession, CancellationToken.None).ConfigureAwait(false);
            }
            Release(camera, slot);
            if (e is HttpRequestException or JanusException)
            {
                LiveLog.JanusFailed(log, e.Message);
                throw new LiveRefusal(StatusCodes.Status502BadGateway, "the node's WebRTC engine did not answer");
            }
            throw;
        }
    }

    /// <summary>
    /// A viewer is about to come (the camera's page or tile is being opened): the camera's feed is
    /// started now, for a user the portal allows, so that the viewer finds it running. It lingers like
    /// a feed whose last viewer left. False when the node already keeps <see cref="LiveOptions.MaxIdleFeeds"/>
    /// feeds without a viewer: the viewer will then start it, only later.
    /// </summary>
    public async Task<bool> WarmAsync(string camera, string token, string address, CancellationToken ct)
    {
        await AllowedAsync(camera, token, address, "the portal refused the token (warm)", ct).ConfigureAwait(false);
        FeedSlot slot;
        int generation;
        lock (_gate)
        {
            if (_feeds.TryGetValue(camera, out var running))
            {
                if (running.Viewers > 0)
                {
                    return true;
                }
                slot = running;
            }
            else
            {
                if (IdleFeeds() is var idle && idle >= options.MaxIdleFeeds)
                {
                    LiveLog.WarmDeclined(log, camera, address, idle);
                    return false;
                }
                slot = new FeedSlot();
                slot.Feed = StartFeedAsync(camera, slot);
                _feeds[camera] = slot;
            }
            generation = ++slot.Generation;
        }
        LiveLog.FeedWarmed(log, camera, address);
        // A warm request only sets the feed going; a start that fails is the next viewer's to report
        // (it starts the feed again), so its error is only observed here.
        _ = slot.Feed.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        _ = LingerAsync(camera, slot, generation, TimeSpan.FromSeconds(options.LingerSeconds));
        return true;
    }

    /// <summary>The portal's decision about a viewer's token, before anything starts: a refusal is a 403, no answer a 502.</summary>
    private async Task AllowedAsync(string camera, string token, string address, string refusal, CancellationToken ct)
    {
        switch (await hook.AskAsync(camera, token, address, ct).ConfigureAwait(false))
        {
            case HookAnswer.Refused:
                LiveLog.ViewerRefused(log, camera, address, refusal);
                throw new LiveRefusal(StatusCodes.Status403Forbidden, "the portal refused to play this camera (access denied or the link expired)");
            case HookAnswer.Unreachable:
                throw new LiveRefusal(StatusCodes.Status502BadGateway, "the portal did not answer; try again");
        }
    }

    /// <summary>Feeds running with no viewer (warmed or lingering). Under <see cref="_gate"/>.</summary>
    private int IdleFeeds() => _feeds.Values.Count(f => f.Viewers == 0);

    /// <summary>The viewer's SDP answer, passed to Janus, which then starts sending.</summary>
    public async Task AnswerAsync(string camera, string id, string token, string sdp, CancellationToken ct)
    {
        var session = Find(camera, id, token);
        try
        {
            await janus.SendAsync(session.JanusSession, session.JanusHandle, w => w.WriteString("request", "start"), ("answer", sdp), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JanusException)
        {
            session.End("Janus refused the answer: " + e.Message);
            throw new LiveRefusal(StatusCodes.Status400BadRequest, "the WebRTC engine refused the answer");
        }
        session.Answered = true;
        session.LastHeard = DateTime.UtcNow;
    }

    /// <summary>The viewer's page is still there; 404 once its session has ended (the page then knows).</summary>
    public void Heard(string camera, string id, string token) => Find(camera, id, token).LastHeard = DateTime.UtcNow;

    /// <summary>Trickled ICE candidates of the viewer (the lines "a=candidate:..." and "a=end-of-candidates" of an SDP fragment).</summary>
    public async Task TrickleAsync(string camera, string id, string token, IReadOnlyList<string> candidates, bool completed, CancellationToken ct)
    {
        var session = Find(camera, id, token);
        try
        {
            await janus.TrickleAsync(session.JanusSession, session.JanusHandle, candidates, completed, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JanusException)
        {
            throw new LiveRefusal(StatusCodes.Status400BadRequest, "the WebRTC engine refused the candidates: " + e.Message);
        }
        session.LastHeard = DateTime.UtcNow;
    }

    public void Close(string camera, string id, string token) => Find(camera, id, token).End("the viewer left");

    private ViewerSession Find(string camera, string id, string token)
    {
        if (!_sessions.TryGetValue(id, out var session) || session.Camera != camera ||
            !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(session.Token), System.Text.Encoding.UTF8.GetBytes(token)))
        {
            throw new LiveRefusal(StatusCodes.Status404NotFound, "no such session");
        }
        return session;
    }

    /// <summary>Janus's offer: the watch request's event with its jsep, within <see cref="OfferTimeout"/>.</summary>
    private async Task<string> OfferAsync(long janusSession, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(OfferTimeout);
        while (true)
        {
            using var ev = await janus.NextEventAsync(janusSession, timeout.Token).ConfigureAwait(false)
                ?? throw new JanusException("the session ended before the offer");
            var root = ev.RootElement;
            if (root.TryGetProperty("jsep", out var jsep) && jsep.GetProperty("type").GetString() == "offer")
            {
                return jsep.GetProperty("sdp").GetString() ?? throw new JanusException("offer without SDP");
            }
            if (root.TryGetProperty("plugindata", out var pd) && pd.GetProperty("data").TryGetProperty("error", out var error))
            {
                throw new JanusException(error.GetString() ?? "watch refused");
            }
        }
    }

    /// <summary>A viewer's life: Janus's events, the portal asked again on a timer, the feed's end; then every trace of it goes.</summary>
    private async Task RunAsync(ViewerSession session, FeedSlot slot, CameraFeed feed)
    {
        try
        {
            var events = WatchEventsAsync(session);
            var rights = RecheckAsync(session);
            var stream = feed.Exited.ContinueWith(_ => session.End("the camera's stream ended"), TaskScheduler.Default);
            await Task.WhenAny(events, rights, stream, Task.Delay(Timeout.Infinite, session.Ending)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // ended
        }
        catch (Exception e)
        {
            session.End("error: " + e.Message);
        }
        finally
        {
            session.End("ended");
            _sessions.TryRemove(session.Id, out _);
            await janus.DestroySessionAsync(session.JanusSession, CancellationToken.None).ConfigureAwait(false);
            Release(session.Camera, slot);
            LiveLog.ViewerEnded(log, session.Id, session.Camera, session.Reason);
        }
    }

    private async Task WatchEventsAsync(ViewerSession session)
    {
        while (!session.Ending.IsCancellationRequested)
        {
            JsonDocument? ev;
            try
            {
                ev = await janus.NextEventAsync(session.JanusSession, session.Ending).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or JanusException)
            {
                session.End("Janus is gone: " + e.Message);
                return;
            }
            if (ev is null)
            {
                session.End("Janus ended the session");
                return;
            }
            using (ev)
            {
                var kind = ev.RootElement.GetProperty("janus").GetString();
                if (kind is "hangup" or "detached")
                {
                    var why = ev.RootElement.TryGetProperty("reason", out var r) ? r.GetString() : kind;
                    session.End("the PeerConnection closed: " + why);
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The portal asked again every RecheckMilliseconds: a refusal ends the session at once; a portal
    /// that does not answer twice in a row ends it too (fail closed), as nginx-rtmp drops a play whose
    /// on_update fails. A viewer who never answers the offer is dropped after AnswerSeconds.
    /// </summary>
    private async Task RecheckAsync(ViewerSession session)
    {
        var unanswered = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.RecheckMilliseconds));
        while (await timer.WaitForNextTickAsync(session.Ending).ConfigureAwait(false))
        {
            if (!session.Answered && DateTime.UtcNow - session.StartedAt > TimeSpan.FromSeconds(options.AnswerSeconds))
            {
                session.End("no answer to the offer");
                return;
            }
            if (DateTime.UtcNow - session.LastHeard > TimeSpan.FromSeconds(options.ViewerSilenceSeconds))
            {
                session.End("the viewer went away (no word from its page)");
                return;
            }
            switch (await hook.AskAsync(session.Camera, session.Token, session.Address, session.Ending).ConfigureAwait(false))
            {
                case HookAnswer.Refused:
                    session.End("the portal refused the viewer now (right, token or camera revoked)");
                    return;
                case HookAnswer.Unreachable when ++unanswered >= 2:
                    session.End("the portal did not answer");
                    return;
                case HookAnswer.Allowed:
                    unanswered = 0;
                    break;
            }
        }
    }

    /// <summary>A seat for a viewer of the camera, starting its feed when it has none; 503 past the limits.</summary>
    private FeedSlot Acquire(string camera)
    {
        lock (_gate)
        {
            if (_viewers >= options.MaxViewers)
            {
                throw new LiveRefusal(StatusCodes.Status503ServiceUnavailable, "this streamer has as many WebRTC viewers as it takes; play HLS");
            }
            if (!_feeds.TryGetValue(camera, out var slot))
            {
                slot = new FeedSlot();
                slot.Feed = StartFeedAsync(camera, slot);
                _feeds[camera] = slot;
            }
            else if (slot.Viewers >= options.MaxViewersPerCamera)
            {
                throw new LiveRefusal(StatusCodes.Status503ServiceUnavailable, "this camera has as many WebRTC viewers as it takes; play HLS");
            }
            slot.Viewers++;
            slot.Generation++;
            _viewers++;
            return slot;
        }
    }

    private void Release(string camera, FeedSlot slot)
    {
        int generation;
        TimeSpan linger;
        lock (_gate)
        {
            slot.Viewers--;
            _viewers--;
            if (slot.Viewers > 0)
            {
                return;
            }
            generation = slot.Generation;
            // Past the cap of idle feeds (this one counted) the feed stops now rather than lingering.
            linger = IdleFeeds() > options.MaxIdleFeeds ? TimeSpan.Zero : TimeSpan.FromSeconds(options.LingerSeconds);
        }
        _ = LingerAsync(camera, slot, generation, linger);
    }

    /// <summary>Stops the feed if nobody came back to it (and no warm request renewed it) within the linger time.</summary>
    private async Task LingerAsync(string camera, FeedSlot slot, int generation, TimeSpan linger)
    {
        await Task.Delay(linger).ConfigureAwait(false);
        lock (_gate)
        {
            if (slot.Viewers > 0 || slot.Generation != generation || !_feeds.TryGetValue(camera, out var current) || current != slot)
            {
                return;
            }
            _feeds.Remove(camera);
        }
        await StopFeedAsync(slot, "no viewer left").ConfigureAwait(false);
    }

    private async Task<CameraFeed> StartFeedAsync(string camera, FeedSlot slot)
    {
        await Task.Yield();
        CameraFeed feed;
        try
        {
            feed = await CameraFeed.StartAsync(camera, options, janus, log, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            Forget(camera, slot);
            throw;
        }
        _ = feed.Exited.ContinueWith(async _ =>
        {
            // The stream ended by itself: the next viewer starts a new feed.
            Forget(camera, slot);
            await StopFeedAsync(slot, "the stream ended: " + feed.LastWords).ConfigureAwait(false);
        }, TaskScheduler.Default);
        return feed;
    }

    private void Forget(string camera, FeedSlot slot)
    {
        lock (_gate)
        {
            if (_feeds.TryGetValue(camera, out var current) && current == slot)
            {
                _feeds.Remove(camera);
            }
        }
    }

    private async Task StopFeedAsync(FeedSlot slot, string reason)
    {
        CameraFeed feed;
        try
        {
            feed = await slot.Feed.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return; // it never started
        }
        if (Interlocked.Exchange(ref slot.Stopped, 1) != 0)
        {
            return;
        }
        await feed.StopAsync(options).ConfigureAwait(false);
        await feed.DisposeAsync().ConfigureAwait(false);
        LiveLog.FeedEnded(log, feed.Camera, reason);
    }

    /// <summary>Stops every feed (the service is stopping): ffmpeg processes are the node's to clean up.</summary>
    public async Task StopAllAsync()
    {
        foreach (var session in _sessions.Values)
        {
            session.End("the service is stopping");
        }
        List<FeedSlot> slots;
        lock (_gate)
        {
            slots = [.. _feeds.Values];
            _feeds.Clear();
        }
        foreach (var slot in slots)
        {
            await StopFeedAsync(slot, "the service is stopping").ConfigureAwait(false);
        }
    }

    private static string NewId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class FeedSlot
    {
        public Task<CameraFeed> Feed { get; set; } = null!;
        public int Viewers { get; set; }
        public int Generation { get; set; }
        public int Stopped;
    }
}

/// <summary>What the node serves now: viewers in all, feeds running, and viewers per camera.</summary>
public sealed record LiveStats(int Viewers, int Feeds, Dictionary<string, int> Cameras);
