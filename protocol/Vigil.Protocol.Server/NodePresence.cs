namespace Vigil.Protocol.Server;

/// <summary>
/// POST /internal/v1/presence, from a relay node to the portal once a second at most: the sessions
/// that opened and closed, and the node's session count as its heartbeat. A snapshot lists every
/// session the node holds, and the first piece of one marks the node's older sessions gone.
/// </summary>
public sealed record NodePresence(int? Sessions, bool? Snapshot, IReadOnlyList<NodePresenceEvent>? Events);

/// <param name="Address">The agent's public address, when it connected.</param>
public sealed record NodePresenceEvent(string? DeviceId, bool? Connected, string? Address);

/// <summary>The portal's answer to <see cref="NodePresence"/>: how many events it applied.</summary>
public sealed record NodePresenceAnswer(int Applied);
