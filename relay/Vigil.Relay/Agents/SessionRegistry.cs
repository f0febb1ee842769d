using System.Collections.Concurrent;

namespace Vigil.Relay.Agents;

/// <summary>
/// Which agents this node holds, by device id. A newer session of a device replaces the older one,
/// whose transport is closed at once: a camera that reconnected must not be shadowed by its ghost.
/// </summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, RelaySession> _sessions = new(StringComparer.Ordinal);

    /// <summary>Told of every session that becomes, or stops being, a device's current one (the portal link).</summary>
    public ISessionObserver? Observer { get; set; }

    public int Count => _sessions.Count;

    public IEnumerable<RelaySession> All => _sessions.Values;

    public RelaySession? Find(string deviceId) => _sessions.TryGetValue(deviceId, out var s) ? s : null;

    public void Register(RelaySession session)
    {
        RelaySession? previous = null;
        _sessions.AddOrUpdate(session.DeviceId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        if (previous is not null && !ReferenceEquals(previous, session))
        {
            previous.Close("replaced");
        }
        Observer?.Registered(session);
    }

    /// <summary>Removes the session only if it is still the device's current one.</summary>
    public void Remove(RelaySession session)
    {
        // A replaced session is no longer the current one: its end says nothing of the device.
        if (_sessions.TryRemove(new KeyValuePair<string, RelaySession>(session.DeviceId, session)))
        {
            Observer?.Removed(session);
        }
    }
}

public interface ISessionObserver
{
    void Registered(RelaySession session);
    void Removed(RelaySession session);

    /// <summary>The agent refused its assignment for good: its camera's codec does not go into its target.</summary>
    void MediaRefused(RelaySession session, string codec, string reason)
    {
    }
}
