using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Vigil.Build;

/// <summary>Publishes the NativeAOT agent and holds it to its gates: no trim or AOT warning, and a size budget.</summary>
internal static partial class AgentPublisher
{
    /// <summary>The stripped linux-x64 agent must stay within this many bytes.</summary>
    public const long SizeBudgetBytes = 2 * 1024 * 1024;

    public static string HostRid => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "linux-x64",
        Architecture.Arm64 => "linux-arm64",
        Architecture.Arm => "linux-arm",
        var a => throw new BuildException($"no agent build for a {a} host"),
    };

    public static string Publish(string rid)
    {
        var output = Path.Combine(Paths.Artifacts, "agent", rid);
        Console.WriteLine($"publishing vigil-agent (NativeAOT, {rid}) to {output}");
        var (code, log) = Shell.Capture("dotnet",
        [
            "publish", Path.Combine(Paths.Root, "agent", "Vigil.Agent", "Vigil.Agent.csproj"),
            "-c", "Release", "-r", rid, "-o", output, "-nologo", "-clp:NoSummary",
        ]);
        var warnings = log.Split('\n').Where(l => WarningLine().IsMatch(l)).Distinct().ToList();
        if (code != 0)
        {
            Console.Error.WriteLine(log);
            if (log.Contains("NU1101", StringComparison.Ordinal) || log.Contains("NU1102", StringComparison.Ordinal))
            {
                throw new BuildException($"the NativeAOT packages for {rid} are not on the configured feeds (see the restore errors above)");
            }
            throw new BuildException($"publishing vigil-agent for {rid} failed");
        }
        if (warnings.Count > 0)
        {
            Console.Error.WriteLine(string.Join('\n', warnings));
            throw new BuildException($"{warnings.Count} warning(s) while publishing the agent; the agent ships with none");
        }
        var binary = Path.Combine(output, "vigil-agent");
        var size = new FileInfo(binary).Length;
        if (rid == "linux-x64" && size > SizeBudgetBytes)
        {
            throw new BuildException($"vigil-agent is {size:N0} bytes, over its budget of {SizeBudgetBytes:N0}");
        }
        Console.WriteLine($"vigil-agent {rid}: {size:N0} bytes (budget {SizeBudgetBytes:N0}), no warnings");
        return binary;
    }

    [GeneratedRegex(@"warning (IL|CS|CA|NU|NETSDK)\d+", RegexOptions.CultureInvariant)]
    private static partial Regex WarningLine();
}
