using System.Runtime.InteropServices;

namespace Vigil.Build;

/// <summary>
/// Publishes the NativeAOT agent for one camera build and holds it to its gates: the feeds hold
/// the target's NativeAOT packages (else a message naming them), no trim or AOT warning, the size
/// budget for linux-x64 and linux-arm64, and the binary runs (natively, or under qemu-user).
/// </summary>
internal static class AgentPublisher
{
    /// <summary>The stripped linux-x64 and linux-arm64 agents must each stay within this many bytes.</summary>
    public const long SizeBudgetBytes = 2 * 1024 * 1024;

    public static string HostRid => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "linux-x64",
        Architecture.Arm64 => "linux-arm64",
        Architecture.Arm => "linux-arm",
        var a => throw new BuildException($"no agent build for a {a} host"),
    };

    public static string AgentProject => Path.Combine(Paths.Root, "agent", "Vigil.Agent", "Vigil.Agent.csproj");

    /// <summary>Publishes to artifacts/agent/RID and returns the binary's path.</summary>
    public static string Publish(string rid, params string[] extraProperties)
    {
        var target = CrossTarget.Find(rid);
        Console.WriteLine($"checking the feeds for the NativeAOT packages of {rid}");
        NuGetFeeds.EnsureAotPackages(target);
        Toolchains.Ensure(target);
        var output = Path.Combine(Paths.Artifacts, "agent", rid);
        Console.WriteLine($"publishing vigil-agent (NativeAOT, {rid}) to {output}");
        var (code, log) = Shell.Capture("dotnet",
        [
            "publish", AgentProject, "-c", "Release", "-r", rid, "-o", output, "-nologo", "-clp:NoSummary",
            .. Toolchains.LinkProperties(target), .. extraProperties,
        ]);
        if (code != 0)
        {
            Console.Error.WriteLine(log);
            throw new BuildException($"publishing vigil-agent for {rid} failed");
        }
        var warnings = WarningGate.Find(log);
        if (warnings.Count > 0)
        {
            Console.Error.WriteLine(string.Join('\n', warnings));
            throw new BuildException($"{warnings.Count} warning(s) while publishing the agent; the agent ships with none");
        }
        var binary = Path.Combine(output, "vigil-agent");
        var size = new FileInfo(binary).Length;
        if (target.HasSizeBudget && size > SizeBudgetBytes)
        {
            throw new BuildException($"vigil-agent for {rid} is {size:N0} bytes, over its budget of {SizeBudgetBytes:N0}");
        }
        var version = RunVersion(target, binary);
        var budget = target.HasSizeBudget ? $"budget {SizeBudgetBytes:N0}" : "the budget is set for linux-x64 and linux-arm64";
        Console.WriteLine($"vigil-agent {rid}: {size:N0} bytes ({budget}), no warnings; runs{(target.Qemu is null ? "" : $" under {target.Qemu}")}: {version}");
        return binary;
    }

    /// <summary>Runs `vigil-agent version` for the target and returns what it printed: the binary must at least start.</summary>
    public static string RunVersion(CrossTarget target, string binary)
    {
        var (code, output) = Toolchains.Run(target, binary, "version");
        if (code != 0 || !output.StartsWith("vigil-agent ", StringComparison.Ordinal))
        {
            throw new BuildException($"the {target.Rid} binary does not run: `vigil-agent version` exited {code}:\n{output}");
        }
        return output.Trim();
    }
}
