using System.Net;
using System.Text;
using Vigil.Stack;

namespace Vigil.Attack.Tests;

/// <summary>
/// vigil-archive, the streamer node's archive service, attacked where it turns a request into a path:
/// the camera segment of the archive forms, and the file nginx-rtmp's record_done notification names.
/// A real vigil-archive process over an archive with one camera, and beside the archive (its parent
/// folder, another folder of the node) recordings it must never serve, move or delete: each laid out
/// exactly as a camera's archive is, so that a path that escaped would find them.
/// </summary>
public sealed class ArchivePathAttackTests
{
    private const string Secret = "VIGIL-SECRET-RECORDING";
    private const long From = 1_796_000_000;
    private string _dir = "";
    private PeerProcess _archive = null!;
    private int _port;
    private string _recordDir = "";
    private string _victim = "";

    [OneTimeSetUp]
    public async Task Start()
    {
        _dir = Directory.CreateTempSubdirectory("vigil-attack-archive-").FullName;
        var archiveDir = Path.Combine(_dir, "node", "archive");
        _recordDir = Path.Combine(_dir, "node", "recording");
        // An archive camera's day folder, an index and an FLV holding the marker: in the archive (the
        // camera that may be read), in the archive's parent, and in a sibling folder of the node.
        foreach (var root in new[] { Path.Combine(archiveDir, "cam"), Path.Combine(_dir, "node", "secret"), Path.Combine(_dir, "secret") })
        {
            Plant(root);
        }
        // A file nginx-rtmp never wrote, named as its recordings are, outside the record folder.
        _victim = Path.Combine(_dir, "node", "secret", "victim-1796000000.flv");
        await File.WriteAllTextAsync(_victim, "FLV" + Secret);
        (_archive, var recording) = await ArchiveService.StartAsync(Path.Combine(AppContext.BaseDirectory, "vigil-archive.dll"), _recordDir, archiveDir, "5m");
        _port = new Uri(recording.ServiceUrl).Port;
    }

    private static void Plant(string camera)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(From).UtcDateTime;
        var day = Path.Combine(camera, at.ToString("yyyy'/'MM'/'dd", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(day);
        var flv = Path.Combine(day, at.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-000.flv");
        var body = Encoding.ASCII.GetBytes(Secret);
        var bytes = new List<byte>([0x46, 0x4C, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]);
        // One script tag holding the marker: readable as FLV by anything that opens it.
        bytes.AddRange([18, 0, 0, (byte)body.Length, 0, 0, 0, 0, 0, 0, 0]);
        bytes.AddRange(body);
        bytes.AddRange([0, 0, 0, (byte)(body.Length + 11)]);
        File.WriteAllBytes(flv, [.. bytes]);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_archive is not null)
        {
            await _archive.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>What makes the refusals mean something: the archive's own camera is read, its range seen.</summary>
    [Test]
    public async Task TheArchivesOwnCameraIsRead()
    {
        var (status, received) = await RawHttp.GetAsync(_port, "/cam/recording_status.json");
        Assert.That(status, Is.EqualTo(200));
        Assert.That(RawHttp.Holds(received, $"\"from\":{From}"), Is.True, Encoding.ASCII.GetString(received));
    }

    private static readonly string[] Cameras =
    [
        "..", "%2e%2e", ".%2e", "..%2fsecret", "..%2Fsecret", "%2e%2e%2fsecret", "..%2f..%2fsecret", "cam%2f..%2f..%2fsecret",
        "..%5csecret", "cam%00", "%00", "..%252fsecret", "secret", ".secret", "cam%2F..%2F..%2Fnode%2Fsecret", "..%2f..%2f..%2f..%2f..%2f..%2fetc",
    ];

    private static readonly string[] Forms =
    [
        "recording_status.json", $"index-{From - 10}-60.m3u8", $"archive-{From - 10}-60.ts", $"timeshift_abs-{From - 10}.ts", $"timeshift_abs-{From - 10}.m3u8",
    ];

    private static IEnumerable<TestCaseData> Attacks() =>
        from camera in Cameras
        from form in Forms
        select new TestCaseData(camera, form).SetArgDisplayNames(camera, form);

    /// <summary>Every spelling of a camera that could leave the archive is refused, or finds nothing; none reads the recordings beside it, none is a server error.</summary>
    [TestCaseSource(nameof(Attacks))]
    public async Task APathOutOfTheArchiveReadsNothing(string camera, string form)
    {
        var (status, received) = await RawHttp.GetAsync(_port, $"/{camera}/{form}");
        // A well-formed name the archive does not hold ("secret") gets its empty status: no ranges.
        Assert.That(status, form == "recording_status.json" ? Is.AnyOf(200, 400, 404) : Is.AnyOf(400, 404), Encoding.ASCII.GetString(received));
        Assert.That(RawHttp.Holds(received, "\"from\""), Is.False, "no recorded range of anything outside");
        Assert.That(RawHttp.Holds(received, "archive-"), Is.False, "no playlist of anything outside");
        Assert.That(RawHttp.Holds(received, Secret), Is.False);
    }

    /// <summary>
    /// record_done names the file to file; a notification forged on the loopback (or a path nginx-rtmp
    /// would never send) could move any file of the node into the archive, where it would be served,
    /// or swept away. Only a file directly in the record folder, named as nginx-rtmp names them, is filed.
    /// </summary>
    [TestCase("{victim}")]
    [TestCase("{record}/../secret/victim-1796000000.flv")]
    [TestCase("{record}/../../node/secret/victim-1796000000.flv")]
    [TestCase("{record}/sub/../../secret/victim-1796000000.flv")]
    public async Task ARecordDoneNamingAFileOutsideTheRecordFolderMovesNothing(string path)
    {
        var named = path.Replace("{victim}", _victim, StringComparison.Ordinal).Replace("{record}", _recordDir, StringComparison.Ordinal);
        using var http = new HttpClient();
        using var answer = await http.PostAsync($"http://127.0.0.1:{_port}/record-done",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["call"] = "record_done", ["name"] = "victim", ["path"] = named }));
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await answer.Content.ReadAsStringAsync());
        Assert.That(File.Exists(_victim), Is.True, "the file stays where it is");
        var archived = Directory.GetFiles(Path.Combine(_dir, "node", "archive"), "*", SearchOption.AllDirectories);
        Assert.That(archived.Any(f => f.Contains("victim", StringComparison.Ordinal)), Is.False);
        Assert.That(Directory.Exists(Path.Combine(_dir, "node", "archive", "victim")), Is.False, "nothing filed as a camera named after it");
    }
}
