using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vigil.Archive.Playback;
using Vigil.Archive.Retention;
using Vigil.Archive.Store;

namespace Vigil.Archive;

/// <summary>The entry point: vigil-archive [--config FILE] [--Key value ...], or vigil-archive index FLV IDX (rebuild one index).</summary>
public static class ArchiveProgram
{
    public static async Task<int> MainAsync(string[] args)
    {
        if (args is ["index", var flv, var idx])
        {
            // Rebuilds a recording's index from its FLV (start 0: the archive takes the start from the file's name).
            var index = RecordingIndex.Build(flv, 0, out var corruption);
            index.Write(idx);
            Console.WriteLine($"{flv}: {index.DurationMs} ms, {index.Keyframes.Count} keyframes, {index.Length} bytes read{(corruption is null ? "" : ", then " + corruption)}");
            return 0;
        }
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
        var layout = new ArchiveLayout(options.ArchiveDir, options.RecordDir);
        Directory.CreateDirectory(layout.ArchiveDir);
        Directory.CreateDirectory(layout.RecordDir);
        builder.Services.AddSingleton(layout);
        builder.Services.AddSingleton<LiveRecordings>();
        builder.Services.AddSingleton<ArchiveCatalog>();
        builder.Services.AddSingleton<ArchiveMetrics>();
        builder.Services.AddSingleton<Export.PreviewJpeg>();
        builder.Services.AddSingleton<Export.Mp4PlanCache>();
        builder.Services.AddSingleton<TimeshiftSessions>();
        builder.Services.AddSingleton<RecordingFiler>();
        builder.Services.AddSingleton(sp => new ArchiveTags(sp.GetRequiredService<LiveRecordings>()));
        builder.Services.AddSingleton(new ArchivePolicy(layout, options.DefaultDepthDays));
        builder.Services.AddSingleton(sp => new RetentionSweeper(layout, sp.GetRequiredService<ArchivePolicy>(), sp.GetRequiredService<ArchiveMetrics>(),
            options, sp.GetRequiredService<ILogger<RetentionSweeper>>()));
        builder.Services.AddHostedService<ArchiveWorker>();
        builder.Services.AddHostedService<PolicyClient>();
        // Kestrel's and routing's per-request lines would bury the archive's own; errors still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        var app = builder.Build();
        ArchiveEndpoints.Map(app);
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
