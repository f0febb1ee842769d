namespace Vigil.Live.Tests;

/// <summary>
/// A benchmark of the live suite on a streamer node of its own, with vigil-live's shipped defaults (no
/// test overrides), printing its figures to the test output and the console.
/// </summary>
public abstract class LiveBenchFixture
{
    private protected LiveStack Stack { get; private set; } = null!;

    /// <summary>Publish the camera that draws its wall clock in every frame.</summary>
    private protected virtual bool ClockCamera => false;

    [OneTimeSetUp]
    public async Task StartStack() => Stack = await LiveStack.StartAsync(clockCamera: ClockCamera, liveArgs: []);

    [OneTimeTearDown]
    public async Task StopStack()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
    }

    private protected static void Figure(string line)
    {
        TestContext.Out.WriteLine(line);
        Console.WriteLine(line);
    }
}
