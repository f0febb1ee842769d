using System.Globalization;
using System.Xml;
using Vigil.Onvif.Xml;

namespace Vigil.Onvif.Client;

/// <summary>GetSystemDateAndTime's answer: the device's UTC time (when it states one) and its time zone.</summary>
public sealed record DeviceClock(DateTime? UtcTime, string? TimeZone, string? DateTimeType)
{
    internal static DeviceClock Read(XmlReader r)
    {
        DateTime? utc = null;
        string? tz = null, type = null;
        foreach (var s in XmlReading.Children(r))
        {
            if (s.LocalName != "SystemDateAndTime")
            {
                continue;
            }
            foreach (var c in XmlReading.Children(s))
            {
                switch (c.LocalName)
                {
                    case "DateTimeType":
                        type = XmlReading.ReadText(c, 64);
                        break;
                    case "TimeZone":
                        foreach (var z in XmlReading.Children(c))
                        {
                            if (z.LocalName == "TZ")
                            {
                                tz = XmlReading.ReadText(z, 128);
                            }
                        }
                        break;
                    case "UTCDateTime":
                        utc = ReadDateTime(c);
                        break;
                }
            }
        }
        return new DeviceClock(utc, tz, type);
    }

    /// <summary>tt:DateTime is Date (Year, Month, Day) and Time (Hour, Minute, Second); an impossible date is no date.</summary>
    private static DateTime? ReadDateTime(XmlReader r)
    {
        var v = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in XmlReading.Children(r))
        {
            foreach (var f in XmlReading.Children(part))
            {
                var name = f.LocalName;
                if (int.TryParse(XmlReading.ReadText(f, 16), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                {
                    v[name] = n;
                }
            }
        }
        try
        {
            return new DateTime(v["Year"], v["Month"], v["Day"], v["Hour"], v["Minute"], v["Second"], DateTimeKind.Utc);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
