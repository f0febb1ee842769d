using System.Globalization;
using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Client;

/// <summary>
/// One notification of a PullPoint (ONVIF Core 9.1, WS-BaseNotification): its topic
/// ("tns1:RuleEngine/CellMotionDetector/Motion" on Hikvision, "tns1:VideoSource/MotionAlarm" on
/// others), when the camera says it happened, and the SimpleItems of its Source and Data.
/// </summary>
public sealed record OnvifEvent(string Topic, DateTimeOffset? Time, IReadOnlyDictionary<string, string> Source, IReadOnlyDictionary<string, string> Data)
{
    public const int MaxMessages = 256;
    private const int MaxItems = 16;

    /// <summary>A PullPoint subscription: the address to pull from, and when the camera ends it unless renewed.</summary>
    public sealed record Subscription(Uri Address, DateTimeOffset? TerminationTime);

    internal static Subscription ReadSubscription(XmlReader r)
    {
        Uri? address = null;
        DateTimeOffset? termination = null;
        foreach (var c in XmlReading.Children(r))
        {
            switch (c.LocalName)
            {
                case "SubscriptionReference":
                    foreach (var a in XmlReading.Children(c))
                    {
                        if (a.LocalName == "Address" && Uri.TryCreate(XmlReading.ReadText(a, 1024), UriKind.Absolute, out var uri))
                        {
                            address = uri;
                        }
                    }
                    break;
                case "TerminationTime":
                    termination = ParseTime(XmlReading.ReadText(c, 64));
                    break;
            }
        }
        return new Subscription(address ?? throw new OnvifException(OnvifErrorKind.BadResponse, "CreatePullPointSubscription: no SubscriptionReference address"), termination);
    }

    internal static List<OnvifEvent> ReadMessages(XmlReader r)
    {
        var events = new List<OnvifEvent>();
        foreach (var c in XmlReading.Children(r))
        {
            if (c.LocalName != "NotificationMessage" || events.Count == MaxMessages)
            {
                continue;
            }
            string topic = "";
            DateTimeOffset? time = null;
            Dictionary<string, string> source = new(StringComparer.Ordinal), data = new(StringComparer.Ordinal);
            foreach (var part in XmlReading.Children(c))
            {
                switch (part.LocalName)
                {
                    case "Topic":
                        topic = XmlReading.ReadText(part, 256);
                        break;
                    case "Message":
                        foreach (var message in XmlReading.Children(part))
                        {
                            if (message.LocalName != "Message")
                            {
                                continue;
                            }
                            time = ParseTime(message.GetAttribute("UtcTime"));
                            foreach (var group in XmlReading.Children(message))
                            {
                                var into = group.LocalName switch { "Source" => source, "Data" => data, _ => null };
                                if (into is null)
                                {
                                    continue;
                                }
                                foreach (var item in XmlReading.Children(group))
                                {
                                    if (item.LocalName == "SimpleItem" && into.Count < MaxItems && item.GetAttribute("Name") is { Length: > 0 and <= 64 } name)
                                    {
                                        var value = item.GetAttribute("Value") ?? "";
                                        into[name] = value.Length > 256 ? value[..256] : value;
                                    }
                                }
                            }
                        }
                        break;
                }
            }
            events.Add(new OnvifEvent(topic, time, source, data));
        }
        return events;
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}
