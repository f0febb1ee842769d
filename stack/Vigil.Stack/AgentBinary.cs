namespace Vigil.Stack;

/// <summary>Which vigil-agent the demo, a test or a benchmark runs.</summary>
public static class AgentBinary
{
    /// <summary>
    /// The NativeAOT agent that `./build.sh test` publishes (VIGIL_AGENT_AOT), or
    /// artifacts/agent/linux-x64/vigil-agent under the repository root; null when neither is there.
    /// </summary>
    public static string? Published()
    {
        var aot = Environment.GetEnvironmentVariable("VIGIL_AGENT_AOT");
        if (!string.IsNullOrEmpty(aot) && File.Exists(aot))
        {
            return aot;
        }
        var published = Path.Combine(Repository.Root, "artifacts", "agent", "linux-x64", "vigil-agent");
        return File.Exists(published) ? published : null;
    }

    /// <summary>The NativeAOT agent, what cameras run; where it is missing, an error that says how to make it.</summary>
    public static string Aot() =>
        Published() ?? throw new InvalidOperationException("the NativeAOT agent is needed: run ./build.sh publish-agent (./build.sh test does)");

    /// <summary>
    /// The agent to test: the NativeAOT binary (<see cref="Published"/>); only outside CI, with none
    /// there, the JIT build next to the tests (<paramref name="jitFallback"/>).
    /// </summary>
    public static string Locate(string jitFallback)
    {
        if (Published() is { } aot)
        {
            return aot;
        }
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            throw new InvalidOperationException("CI runs the NativeAOT agent: run ./build.sh test, which publishes it");
        }
        return jitFallback;
    }
}
