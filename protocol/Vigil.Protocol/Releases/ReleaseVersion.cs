using System.Globalization;

namespace Vigil.Protocol.Releases;

/// <summary>Agent versions: three dot-separated numbers, compared number by number.</summary>
public static class ReleaseVersion
{
    public static bool TryParse(string text, out (int Major, int Minor, int Patch) version)
    {
        version = default;
        var parts = text.Split('.');
        if (parts.Length != 3 || text.Length > 32)
        {
            return false;
        }
        var n = new int[3];
        for (var i = 0; i < 3; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out n[i]))
            {
                return false;
            }
        }
        version = (n[0], n[1], n[2]);
        return true;
    }

    /// <summary>Negative when <paramref name="a"/> is older than <paramref name="b"/>, 0 when equal, positive when newer.</summary>
    public static int Compare(string a, string b)
    {
        if (!TryParse(a, out var x) || !TryParse(b, out var y))
        {
            throw new FormatException($"'{a}' or '{b}' is not a version of the form N.N.N");
        }
        return x.CompareTo(y);
    }
}
