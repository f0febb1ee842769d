using Microsoft.Extensions.Logging;

namespace Vigil.Scan;

/// <summary>
/// Log lines to stderr, so that stdout holds only the table or the JSON. A plain writer instead
/// of the console logger package: one line per event, no scopes, nothing to configure.
/// </summary>
internal sealed class StderrLogger(LogLevel minimum) : ILogger
{
    private readonly Lock _lock = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        var level = logLevel switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "error",
            _ => "crit",
        };
        var line = $"{level}: {formatter(state, exception)}{(exception is null || minimum > LogLevel.Debug ? "" : Environment.NewLine + exception)}";
        lock (_lock)
        {
            Console.Error.WriteLine(line);
        }
    }
}
