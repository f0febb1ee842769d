namespace Vigil.Agent;

/// <summary>
/// The agent's logger: one line per event on standard error, which init systems capture. Small on
/// purpose (Microsoft.Extensions.Logging would cost the binary more than the rest of the agent).
/// Never pass a secret to it.
/// </summary>
internal static class Log
{
    private static readonly object Gate = new();

    public static bool Verbose { get; set; }

    public static void Debug(string message)
    {
        if (Verbose)
        {
            Write("debug", message);
        }
    }

    public static void Info(string message) => Write("info", message);
    public static void Warn(string message) => Write("warn", message);
    public static void Error(string message) => Write("error", message);

    private static void Write(string level, string message)
    {
        var line = $"{IsoTime.Format(DateTime.UtcNow, milliseconds: true)} {level} {message}";
        lock (Gate)
        {
            StdIo.ErrLine(line);
        }
    }
}
