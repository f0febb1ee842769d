namespace Vigil.Live.Tests;

/// <summary>A fixture on a streamer node of its own (<see cref="LiveStack"/>), started once for its tests.</summary>
public abstract class LiveStackFixture
{
    private protected LiveStack Stack { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartStack() => Stack = await LiveStack.StartAsync();

    [OneTimeTearDown]
    public async Task StopStack()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
    }
}
