using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vigil.Archive.Retention;
using Vigil.Archive.Store;

namespace Vigil.Archive;

/// <summary>
/// The service's housekeeping: at start, files whatever a crash left in the record folder; then every
/// few seconds files recordings that stopped growing without a notification, and every
/// <c>SweepSeconds</c> runs retention and the disk guard.
/// </summary>
public sealed class ArchiveWorker : BackgroundService
{
    private static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(5);

    private readonly ArchiveOptions _options;
    private readonly RecordingFiler _filer;
    private readonly RetentionSweeper _sweeper;
    private readonly LiveRecordings _live;
    private readonly ILogger _log;

    public ArchiveWorker(ArchiveOptions options, RecordingFiler filer, RetentionSweeper sweeper, LiveRecordings live, ILogger<ArchiveWorker> log)
    {
        _options = options;
        _filer = filer;
        _sweeper = sweeper;
        _live = live;
        _log = log;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stale = TimeSpan.FromSeconds(Math.Max(1, _options.StaleRecordingSeconds));
        var lastSweep = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _filer.FileStaleAsync(stale, stoppingToken).ConfigureAwait(false);
                _live.Prune();
                if (DateTime.UtcNow - lastSweep >= TimeSpan.FromSeconds(Math.Max(1, _options.SweepSeconds)))
                {
                    lastSweep = DateTime.UtcNow;
                    _sweeper.Sweep(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ArchiveLog.FilingFailed(_log, _options.RecordDir, e.Message);
            }
            await Task.Delay(ScanInterval, stoppingToken).ConfigureAwait(false);
        }
    }
}
