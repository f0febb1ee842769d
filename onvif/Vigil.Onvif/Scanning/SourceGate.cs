using System.Diagnostics;
using System.Net;

namespace Vigil.Onvif.Scanning;

/// <summary>
/// Admits datagrams per (protocol, source address) through a token bucket, before they are copied
/// or parsed. A camera answers a few times per probe round; a flood from one address is cut to
/// the refill rate and costs no parsing. The number of sources tracked is capped too, so that the
/// gate's own memory is bounded.
/// </summary>
internal sealed class SourceGate(int burst, double perSecond, int maxSources)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(ScanProtocols, IPAddress), Bucket> _buckets = [];
    private long _dropped;

    public long Dropped => Interlocked.Read(ref _dropped);

    public enum Verdict
    {
        Admit,
        /// <summary>Dropped, and the first drop of this source: worth a log line.</summary>
        FirstDrop,
        Drop,
    }

    public Verdict Admit(ScanProtocols protocol, IPAddress source)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (!_buckets.TryGetValue((protocol, source), out var b))
            {
                if (_buckets.Count >= maxSources)
                {
                    Interlocked.Increment(ref _dropped);
                    return Verdict.Drop;
                }
                b = new Bucket { Tokens = burst, Stamp = now };
                _buckets[(protocol, source)] = b;
            }
            b.Tokens = Math.Min(burst, b.Tokens + (Stopwatch.GetElapsedTime(b.Stamp, now).TotalSeconds * perSecond));
            b.Stamp = now;
            if (b.Tokens >= 1)
            {
                b.Tokens -= 1;
                return Verdict.Admit;
            }
            Interlocked.Increment(ref _dropped);
            if (b.Flooding)
            {
                return Verdict.Drop;
            }
            b.Flooding = true;
            return Verdict.FirstDrop;
        }
    }

    private sealed class Bucket
    {
        public double Tokens;
        public long Stamp;
        public bool Flooding;
    }
}
