using System.Diagnostics;

namespace Vigil.Stack;

/// <summary>Waiting on something another process does: poll until it holds, for at most a limit.</summary>
public static class Poll
{
    /// <summary>
    /// Polls every 100 ms until the condition holds, asking once more when the limit is reached; how
    /// long it took, or null if it never held.
    /// </summary>
    public static async Task<TimeSpan?> WithinAsync(TimeSpan limit, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (await condition().ConfigureAwait(false))
            {
                return clock.Elapsed;
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        return await condition().ConfigureAwait(false) ? clock.Elapsed : null;
    }
}
