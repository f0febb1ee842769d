namespace Vigil.Portal.Tests;

public static class Eventually
{
    /// <summary>Polls until the condition holds or the time is up; whether it held.</summary>
    public static async Task<bool> True(Func<Task<bool>> condition, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return await condition();
    }
}
