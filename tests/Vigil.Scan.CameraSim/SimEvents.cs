using System.Collections.Concurrent;
using System.Globalization;
using System.Xml;

namespace Vigil.Scan.CameraSim;

/// <summary>
/// The event service of a simulated camera: PullPoint subscriptions at Hikvision's addresses
/// (/onvif/Subscription?Idx=N), PullMessages that waits for an event up to its Timeout, Renew and
/// Unsubscribe, and Hikvision's motion, tamper and input topics with its SimpleItems. A test (or
/// POST /camsim/raise?kind=motion) raises an event; every live subscription gets it. Behaviour
/// makes PullMessages hostile: dtd, huge, or endless (never answers).
/// </summary>
public sealed class SimEvents(Templates templates)
{
    public const string Namespace = "http://www.onvif.org/ver10/events/wsdl";
    public const string NotificationNamespace = "http://docs.oasis-open.org/wsn/b-2";
    private const int MaxQueued = 100;
    private readonly ConcurrentDictionary<int, Pending> _subscriptions = new();
    private int _next;

    /// <summary>normal, dtd, huge, endless.</summary>
    public string Behaviour { get; set; } = "normal";

    public int Subscriptions => _subscriptions.Count;

    /// <summary>Subscriptions made so far, ended or not.</summary>
    public int Subscribed => Volatile.Read(ref _next);

    /// <summary>
    /// Queues an event on every subscription; its UtcTime is now, or as far behind as the camera's
    /// clock is (<paramref name="behind"/>: a camera that was never set to the right time).
    /// </summary>
    public DateTime Raise(string kind, TimeSpan behind = default)
    {
        var now = DateTime.UtcNow - behind;
        var (topic, source, data) = kind switch
        {
            "motion" => ("tns1:RuleEngine/CellMotionDetector/Motion",
                "<tt:SimpleItem Name=\"VideoSourceConfigurationToken\" Value=\"VideoSourceToken\"/><tt:SimpleItem Name=\"VideoAnalyticsConfigurationToken\" Value=\"VideoAnalyticsToken\"/><tt:SimpleItem Name=\"Rule\" Value=\"MyMotionDetectorRule\"/>",
                "<tt:SimpleItem Name=\"IsMotion\" Value=\"true\"/>"),
            "tamper" => ("tns1:RuleEngine/TamperDetector/Tamper",
                "<tt:SimpleItem Name=\"VideoSourceConfigurationToken\" Value=\"VideoSourceToken\"/><tt:SimpleItem Name=\"VideoAnalyticsConfigurationToken\" Value=\"VideoAnalyticsToken\"/><tt:SimpleItem Name=\"Rule\" Value=\"MyTamperDetectorRule\"/>",
                "<tt:SimpleItem Name=\"IsTamper\" Value=\"true\"/>"),
            "input" => ("tns1:Device/Trigger/DigitalInput",
                "<tt:SimpleItem Name=\"InputToken\" Value=\"AlarmIn_1\"/>",
                "<tt:SimpleItem Name=\"LogicalState\" Value=\"true\"/>"),
            _ => throw new ArgumentException($"no event kind '{kind}'"),
        };
        var message = "<wsnt:NotificationMessage><wsnt:Topic Dialect=\"http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet\">" + topic + "</wsnt:Topic><wsnt:Message>"
            + $"<tt:Message UtcTime=\"{Stamp(now)}\" PropertyOperation=\"Changed\"><tt:Source>{source}</tt:Source><tt:Data>{data}</tt:Data></tt:Message>"
            + "</wsnt:Message></wsnt:NotificationMessage>";
        foreach (var p in _subscriptions.Values)
        {
            p.Add(message);
        }
        return now;
    }

    /// <summary>The answer to an event operation, or null when it is not one.</summary>
    public async Task<string?> AnswerAsync(string operation, byte[] request, string host, string? index, CancellationToken ct)
    {
        switch (operation)
        {
            case "CreatePullPointSubscription":
                var id = Interlocked.Increment(ref _next);
                _subscriptions[id] = new Pending();
                return templates.HikWrap($"<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa5:Address>http://{host}/onvif/Subscription?Idx={id}</wsa5:Address></tev:SubscriptionReference><wsnt:CurrentTime>{Stamp(DateTime.UtcNow)}</wsnt:CurrentTime><wsnt:TerminationTime>{Stamp(DateTime.UtcNow.AddSeconds(60))}</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse>");
            case "PullMessages" or "Renew" or "Unsubscribe":
                if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var idx) || !_subscriptions.TryGetValue(idx, out var pending))
                {
                    return templates.HikWrap("<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Receiver</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>wsrfr:ResourceUnknownFault</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code><SOAP-ENV:Reason><SOAP-ENV:Text xml:lang=\"en\">no such subscription</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>");
                }
                if (operation == "Unsubscribe")
                {
                    _subscriptions.TryRemove(idx, out _);
                    return templates.HikWrap("<wsnt:UnsubscribeResponse></wsnt:UnsubscribeResponse>");
                }
                if (operation == "Renew")
                {
                    return templates.HikWrap($"<wsnt:RenewResponse><wsnt:TerminationTime>{Stamp(DateTime.UtcNow.AddSeconds(60))}</wsnt:TerminationTime><wsnt:CurrentTime>{Stamp(DateTime.UtcNow)}</wsnt:CurrentTime></wsnt:RenewResponse>");
                }
                var wait = TimeSpan.FromSeconds(Math.Min(60, XmlConvert.ToTimeSpan(SimHttpServer.Text(request, "Timeout") ?? "PT1S").TotalSeconds));
                var messages = await pending.TakeAsync(wait, ct);
                return templates.HikWrap($"<tev:PullMessagesResponse><tev:CurrentTime>{Stamp(DateTime.UtcNow)}</tev:CurrentTime><tev:TerminationTime>{Stamp(DateTime.UtcNow.AddSeconds(60))}</tev:TerminationTime>{string.Concat(messages)}</tev:PullMessagesResponse>");
            default:
                return null;
        }
    }

    private static string Stamp(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private sealed class Pending
    {
        private readonly Queue<string> _queue = new();
        private readonly SemaphoreSlim _signal = new(0);

        public void Add(string message)
        {
            lock (_queue)
            {
                if (_queue.Count == MaxQueued)
                {
                    _queue.Dequeue();
                }
                _queue.Enqueue(message);
            }
            _signal.Release();
        }

        public async Task<List<string>> TakeAsync(TimeSpan wait, CancellationToken ct)
        {
            if (await _signal.WaitAsync(wait, ct).ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default))
            {
                lock (_queue)
                {
                    var all = _queue.ToList();
                    _queue.Clear();
                    return all;
                }
            }
            return [];
        }
    }
}
