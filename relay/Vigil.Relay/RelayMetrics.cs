using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Vigil.Relay;

/// <summary>The node's counters, rendered in the Prometheus text format at /metrics.</summary>
public sealed class RelayMetrics
{
    private readonly ConcurrentDictionary<string, long> _handshakeFailures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _closes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _tunnelRefusals = new(StringComparer.Ordinal);
    private long _connections;
    private long _handshakes;
    private long _bytesReceived;
    private long _bytesSent;
    private long _tunnels;
    private long _tunnelsActive;
    private long _commands;

    public long Handshakes => Interlocked.Read(ref _handshakes);

    public void ConnectionAccepted() => Interlocked.Increment(ref _connections);
    public void HandshakeCompleted() => Interlocked.Increment(ref _handshakes);
    public void HandshakeFailed(string reason) => _handshakeFailures.AddOrUpdate(reason, 1, (_, v) => v + 1);
    public void SessionClosed(string reason) => _closes.AddOrUpdate(reason, 1, (_, v) => v + 1);
    public void TunnelRefused(string reason) => _tunnelRefusals.AddOrUpdate(reason, 1, (_, v) => v + 1);
    public void Received(long bytes) => Interlocked.Add(ref _bytesReceived, bytes);
    public void Sent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);
    public void CommandSent() => Interlocked.Increment(ref _commands);

    public void TunnelOpened()
    {
        Interlocked.Increment(ref _tunnels);
        Interlocked.Increment(ref _tunnelsActive);
    }

    public void TunnelClosed() => Interlocked.Decrement(ref _tunnelsActive);

    public long FailureCount(string reason) => _handshakeFailures.GetValueOrDefault(reason);
    public long CloseCount(string reason) => _closes.GetValueOrDefault(reason);

    public string Render(int sessions, bool draining)
    {
        var s = new StringBuilder(2048);
        Gauge(s, "vigil_relay_sessions", "Agents connected and past hello.", sessions);
        Gauge(s, "vigil_relay_draining", "1 while the node is draining.", draining ? 1 : 0);
        Counter(s, "vigil_relay_connections_total", "TCP connections accepted on the agent listener.", _connections);
        Counter(s, "vigil_relay_handshakes_total", "Noise handshakes completed with a hello.", _handshakes);
        Labelled(s, "vigil_relay_handshake_failures_total", "Connections closed before the session began, by reason.", _handshakeFailures);
        Labelled(s, "vigil_relay_sessions_closed_total", "Sessions closed, by reason.", _closes);
        Counter(s, "vigil_relay_received_bytes_total", "Link bytes received from agents.", _bytesReceived);
        Counter(s, "vigil_relay_sent_bytes_total", "Link bytes sent to agents.", _bytesSent);
        Counter(s, "vigil_relay_commands_total", "Control commands sent to agents.", _commands);
        Counter(s, "vigil_relay_tunnels_total", "Tunnels opened.", _tunnels);
        Gauge(s, "vigil_relay_tunnels_active", "Tunnels open now.", Interlocked.Read(ref _tunnelsActive));
        Labelled(s, "vigil_relay_tunnel_refusals_total", "Tunnel requests refused, by reason.", _tunnelRefusals);
        var gc = GC.GetGCMemoryInfo();
        Gauge(s, "vigil_relay_gc_heap_bytes", "Managed heap size after the last garbage collection.", gc.HeapSizeBytes);
        Gauge(s, "vigil_relay_gc_committed_bytes", "Memory the garbage collector has committed.", gc.TotalCommittedBytes);
        Gauge(s, "process_resident_memory_bytes", "Resident set size of the relay process.", Environment.WorkingSet);
        return s.ToString();
    }

    private static void Gauge(StringBuilder s, string name, string help, long value) => Metric(s, name, help, "gauge", value);

    private static void Counter(StringBuilder s, string name, string help, long value) => Metric(s, name, help, "counter", value);

    private static void Metric(StringBuilder s, string name, string help, string type, long value) =>
        s.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    private static void Labelled(StringBuilder s, string name, string help, ConcurrentDictionary<string, long> values)
    {
        s.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n");
        foreach (var (reason, value) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            s.Append(CultureInfo.InvariantCulture, $"{name}{{reason=\"{reason}\"}} {value}\n");
        }
    }
}
