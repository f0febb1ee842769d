using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Vigil.Archive;

/// <summary>The entry point: vigil-archive [--config FILE] [--Key value ...].</summary>
public static class ArchiveProgram
{
    public static async Task<int> MainAsync(string[] args)
    {
        try
        {
            await using var app = Build(args);
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync("vigil-archive: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var configFile = ConfigFile(args);
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
            builder.Configuration.AddCommandLine(args);
        }
        var options = new ArchiveOptions();
        builder.Configuration.Bind(options);
        builder.WebHost.UseUrls("http://" + options.Listen);
        builder.Services.AddSingleton(options);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.Lifetime.ApplicationStarted.Register(() =>
            ArchiveLog.Started(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil.Archive"), options.Listen, options.RecordDir, options.ArchiveDir));
        return app;
    }

    private static string? ConfigFile(string[] args)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--config")
            {
                return args[i + 1];
            }
        }
        return null;
    }
}
