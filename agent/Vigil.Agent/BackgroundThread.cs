namespace Vigil.Agent;

/// <summary>
/// Runs blocking work on a dedicated background thread and gives its result as a task, for the
/// asynchronous code that waits on it. The agent's connections block in plain system calls rather
/// than going through the socket engine's asynchronous machinery (see <see cref="TcpConnection"/>).
/// </summary>
internal static class BackgroundThread
{
    public static Task<T> Run<T>(string name, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = name }.Start();
        return done.Task;
    }
}
