namespace Vigil.Portal.Tests;

public static class Eventually
{
    /// <summary>Polls until the condition holds or the time is up; whether it held.</summary>
    public static async Task<bool> True(Func<Task<bool>> condition, double seconds = 10) =>
        await Vigil.Stack.Poll.WithinAsync(TimeSpan.FromSeconds(seconds), condition) is not null;
}
