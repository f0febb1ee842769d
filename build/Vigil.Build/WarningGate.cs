using System.Text.RegularExpressions;

namespace Vigil.Build;

/// <summary>
/// Finds the warnings in the output of an agent publish. The agent ships with none: a trim or AOT
/// warning means code that may break once trimmed, wherever it sits (the agent, Vigil.Protocol, a
/// package), so every warning line counts, not only those of the project being published.
/// </summary>
internal static partial class WarningGate
{
    /// <summary>The distinct warning lines of an MSBuild log.</summary>
    public static IReadOnlyList<string> Find(string log) =>
        [.. log.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => WarningLine().IsMatch(l)).Distinct()];

    // "file(1,2): warning CS8602: ..." from any project of the build, "ILC : Trim analysis warning
    // IL2026: ..." and "ILC : AOT analysis warning IL3050: ..." from the native compiler, MSBuild's
    // own "warning MSB3277" and NuGet's "warning NU1603". Not the "0 Warning(s)" summary line.
    [GeneratedRegex(@"\bwarning [A-Z]{2,}\d{3,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex WarningLine();
}
