using System.Diagnostics;

namespace Vigil.Stack;

/// <summary>The end of a process this tool started: it and its children are killed, waited for and released.</summary>
public static class ChildProcess
{
    public static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        process.Dispose();
    }
}
