namespace Vigil.Scan.Tests;

/// <summary>
/// A fixture that builds namespaces and starts processes in them: whatever it keeps is disposed
/// in reverse order when it ends (processes before the namespaces they run in).
/// </summary>
public abstract class NetnsFixture
{
    private readonly List<IDisposable> _cleanup = [];

    [OneTimeTearDown]
    public void DisposeWhatWasKept()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            _cleanup[i].Dispose();
        }
        _cleanup.Clear();
    }

    private protected T Keep<T>(T disposable)
        where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }
}
