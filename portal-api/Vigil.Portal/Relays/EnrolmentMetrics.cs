using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Vigil.Portal.Relays;

/// <summary>
/// The portal's counters of what peers can make it hold: new devices let in or refused by the
/// enrolment policy, and the relay-node token cache. Rendered in the Prometheus text format at
/// /api/v1/metrics, in the style of the relay's /metrics.
/// </summary>
public sealed class EnrolmentMetrics
{
    private readonly ConcurrentDictionary<string, long> _enrolments = new(StringComparer.Ordinal);

    public void Enrolment(string result) => _enrolments.AddOrUpdate(result, 1, (_, v) => v + 1);

    public long EnrolmentCount(string result) => _enrolments.GetValueOrDefault(result);

    public string Render(int nodeTokensCached)
    {
        var s = new StringBuilder(1024);
        s.Append("# HELP vigil_portal_enrolments_total New devices seen in a hello, by what the enrolment policy decided.\n");
        s.Append("# TYPE vigil_portal_enrolments_total counter\n");
        foreach (var (result, value) in _enrolments.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            s.Append(CultureInfo.InvariantCulture, $"vigil_portal_enrolments_total{{result=\"{result}\"}} {value}\n");
        }
        s.Append(CultureInfo.InvariantCulture,
            $"# HELP vigil_portal_node_tokens_cached Relay-node tokens held in memory (only those of registered nodes).\n# TYPE vigil_portal_node_tokens_cached gauge\nvigil_portal_node_tokens_cached {nodeTokensCached}\n");
        var gc = GC.GetGCMemoryInfo();
        s.Append(CultureInfo.InvariantCulture,
            $"# HELP vigil_portal_gc_heap_bytes Managed heap size after the last garbage collection.\n# TYPE vigil_portal_gc_heap_bytes gauge\nvigil_portal_gc_heap_bytes {gc.HeapSizeBytes}\n");
        s.Append(CultureInfo.InvariantCulture,
            $"# HELP process_resident_memory_bytes Resident set size of the portal process.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {Environment.WorkingSet}\n");
        return s.ToString();
    }
}
