using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Archive.Retention;
using Vigil.Archive.Store;

namespace Vigil.Archive.Tests;

/// <summary>
/// Retention and the disk guard over synthetic old recordings: real FLV files (made by ffmpeg) with
/// their index, laid out days back as the archive lays them. The disk guard is given the file
/// system's free space as a function of what the archive holds (a disk cannot be filled here).
/// </summary>
[TestFixture]
public sealed class RetentionTests
{
    private static readonly long Now = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Day = 86_400_000;
    private string _dir = "";
    private string _flv = "";
    private ArchiveLayout _layout = null!;

    [OneTimeSetUp]
    public async Task MakeFlv()
    {
        _dir = Directory.CreateTempSubdirectory("vigil-retention-").FullName;
        _flv = Path.Combine(_dir, "two-seconds.flv");
        await Tools.MakeFlvAsync(_flv, seconds: 2);
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(_dir, recursive: true);

    [SetUp]
    public void FreshArchive()
    {
        var archive = Path.Combine(_dir, "archive");
        if (Directory.Exists(archive))
        {
            Directory.Delete(archive, recursive: true);
        }
        _layout = new ArchiveLayout(archive, Path.Combine(_dir, "recording"));
    }

    private string Put(string camera, long startMs)
    {
        var path = _layout.PathFor(camera, startMs);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(_flv, path);
        RecordingIndex.Build(path, startMs, out _).Write(ArchiveLayout.IndexPathOf(path));
        return path;
    }

    private List<long> Starts(string camera) =>
        new ArchiveCatalog(_layout, new LiveRecordings(_layout)).Find(camera, 0, Now + Day).Select(r => r.StartMs).ToList();

    private RetentionSweeper Sweeper(ArchivePolicy policy, ArchiveMetrics metrics, Func<long> free, long floorMb = 1) =>
        new(_layout, policy, metrics, new ArchiveOptions { MinFreeMegabytes = floorMb }, NullLogger<RetentionSweeper>.Instance, free);

    [Test]
    public void NothingOlderThanACamerasDepthRemains()
    {
        long[] ages = [10 * Day, 5 * Day, 3 * Day + 1000, 3 * Day - 60_000, 2 * Day, 3_600_000];
        foreach (var age in ages)
        {
            Put("cam-a", Now - age);
            Put("cam-b", Now - age);
        }
        var policy = new ArchivePolicy(_layout, defaultDepthDays: 7);
        policy.Apply(new ArchivePolicyDocument([new CameraDepth("cam-a", 3)]));
        var metrics = new ArchiveMetrics();
        var (expired, guarded) = Sweeper(policy, metrics, () => long.MaxValue).Sweep(Now);

        // A file is deleted once it ends before the depth: the one that starts 3 days and 1 s back lasts 2 s and ends inside it.
        Assert.That(Starts("cam-a"), Is.EqualTo(new[] { Now - (3 * Day + 1000), Now - (3 * Day - 60_000), Now - 2 * Day, Now - 3_600_000 }));
        Assert.That(Starts("cam-b"), Is.EqualTo(new[] { Now - 5 * Day, Now - (3 * Day + 1000), Now - (3 * Day - 60_000), Now - 2 * Day, Now - 3_600_000 }), "the default depth of 7 days");
        Assert.That((expired, guarded), Is.EqualTo((3, 0)));
        Assert.That(Directory.Exists(Path.GetDirectoryName(_layout.PathFor("cam-a", Now - 10 * Day))), Is.False, "an emptied day folder goes too");
        Assert.That(metrics.Render(), Does.Contain("vigil_archive_files_expired_total 3"));

        // A new depth applies at the next sweep, with no restart.
        policy.Apply(new ArchivePolicyDocument([new CameraDepth("cam-b", 1)]));
        Sweeper(policy, metrics, () => long.MaxValue).Sweep(Now);
        Assert.That(Starts("cam-b"), Is.EqualTo(new[] { Now - 3_600_000 }));
    }

    [Test]
    public void ACameraThePortalNoLongerNamesKeepsItsLastDepthAcrossARestart()
    {
        var policy = new ArchivePolicy(_layout, defaultDepthDays: 30);
        policy.Apply(new ArchivePolicyDocument([new CameraDepth("moved", 2), new CameraDepth("stays", 5)]));
        policy.Apply(new ArchivePolicyDocument([new CameraDepth("stays", 4)]));
        var restarted = new ArchivePolicy(_layout, defaultDepthDays: 30);
        Assert.That((restarted.DepthDays("moved"), restarted.DepthDays("stays"), restarted.DepthDays("never-named")), Is.EqualTo((2, 4, 30)));
        // Names the portal could not mean are never kept.
        restarted.Apply(new ArchivePolicyDocument([new CameraDepth("../x", 1), new CameraDepth("neg", -1), new CameraDepth("huge", 99999)]));
        Assert.That((restarted.DepthDays("../x"), restarted.DepthDays("neg"), restarted.DepthDays("huge")), Is.EqualTo((30, 30, 30)));
    }

    [Test]
    public void TheDiskGuardDeletesTheOldestAcrossCamerasFirst()
    {
        var oldest = new[]
        {
            Put("cam-a", Now - 4 * Day),
            Put("cam-b", Now - 3 * Day),
            Put("cam-a", Now - 2 * Day - 5000),
        };
        var kept = new[] { Put("cam-b", Now - 2 * Day), Put("cam-a", Now - Day), Put("cam-b", Now - 1000) };
        var size = new FileInfo(oldest[0]).Length;
        var floor = 1024L * 1024;
        // Free space as if the disk held the archive and a little more: three files too many for the floor.
        long Free() => floor + size * 6 - Directory.GetFiles(_layout.ArchiveDir, "*.flv", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) - 3 * size + 1;
        var metrics = new ArchiveMetrics();
        var policy = new ArchivePolicy(_layout, defaultDepthDays: 30);
        var (expired, guarded) = Sweeper(policy, metrics, Free).Sweep(Now);

        Assert.That((expired, guarded), Is.EqualTo((0, 3)));
        Assert.That(oldest.Select(File.Exists), Is.All.False, "the three oldest, whatever their camera");
        Assert.That(kept.Select(File.Exists), Is.All.True);
        Assert.That(oldest.Select(f => File.Exists(ArchiveLayout.IndexPathOf(f))), Is.All.False, "their indexes with them");
        Assert.That(metrics.Render(), Does.Contain("vigil_archive_disk_guard_files_deleted_total 3").And.Contain($"vigil_archive_disk_guard_bytes_deleted_total {3 * size}"));
        Assert.That(Free(), Is.GreaterThanOrEqualTo(floor));
    }
}
