namespace Vigil.Stack;

/// <summary>
/// The streamer node's nginx as an operator installs it (the deploy/nginx-rtmp templates, filled by
/// <see cref="MediaPeers.StartNginxStreamerAsync"/>) with its hook answered by an
/// <see cref="AllowAllHook"/>: for the tests and benchmarks of the media path (what the agent
/// publishes, nginx-rtmp's HLS and recordings), where the portal is not part of what is tested and
/// every publish, play and update is let on. The node's own layout: <see cref="Playlist"/>
/// dir/hls/NAME/index.m3u8 with its 1 s fragments N.ts beside it, and with <c>record</c> the stream as
/// published in dir/recording/NAME-UNIXSECONDS.flv (<see cref="Recording"/>).
/// </summary>
public sealed class OpenStreamer : IAsyncDisposable
{
    /// <summary>
    /// A playlist of an hour: every fragment of a test's run stays listed and on disk, so that the whole
    /// stream as nginx-rtmp wrote it can be joined and counted.
    /// </summary>
    public const int WholeRunSeconds = 3600;

    private readonly AllowAllHook _hook;

    private OpenStreamer(string dir, AllowAllHook hook, PeerProcess nginx, int rtmpPort, int httpPort)
    {
        Dir = dir;
        _hook = hook;
        Nginx = nginx;
        RtmpPort = rtmpPort;
        HttpPort = httpPort;
    }

    public string Dir { get; }
    public PeerProcess Nginx { get; }
    public int RtmpPort { get; }
    public int HttpPort { get; }
    public string HlsDir => Path.Combine(Dir, "hls");
    public string RecordDir => Path.Combine(Dir, "recording");
    public string ErrorLog => Path.Combine(Dir, "error.log");

    /// <summary>Where agents publish: rtmp://127.0.0.1:PORT/live, the stream name after it.</summary>
    public string IngestUrl => $"rtmp://127.0.0.1:{RtmpPort}/live";

    /// <summary>Starts nginx in <paramref name="dir"/> (RTMP on <paramref name="rtmpPort"/>, 0: a free port); returns once it takes connections.</summary>
    /// <param name="playlistSeconds">how much video the HLS playlist keeps (@PLAYLIST_SECONDS@); <see cref="WholeRunSeconds"/> keeps a test's whole run.</param>
    /// <param name="record">record every stream as published (@RECORD@ all), each file a node's interval long (5 min).</param>
    /// <param name="logPublishes">the error log at info, which writes each publish with its arguments.</param>
    public static async Task<OpenStreamer> StartAsync(string dir, int rtmpPort = 0, int playlistSeconds = 20, bool record = false, bool logPublishes = false)
    {
        var hook = await AllowAllHook.StartAsync().ConfigureAwait(false);
        try
        {
            rtmpPort = rtmpPort == 0 ? RelayProcess.FreePort() : rtmpPort;
            var httpPort = RelayProcess.FreePort();
            ArchiveRecording? archive = null;
            if (record)
            {
                // The stand-in also answers on_record_done, as vigil-archive would, but files nothing:
                // each recording stays where nginx-rtmp wrote it.
                Directory.CreateDirectory(Path.Combine(dir, "recording"));
                archive = new ArchiveRecording(Path.Combine(dir, "recording"), hook.BaseUrl);
            }
            var (nginx, _) = await MediaPeers.StartNginxStreamerAsync(dir, rtmpPort, httpPort, hook.Url, playlistSeconds, logPublishes, archive: archive)
                .ConfigureAwait(false);
            return new OpenStreamer(dir, hook, nginx, rtmpPort, httpPort);
        }
        catch
        {
            await hook.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Where nginx-rtmp writes a stream's HLS playlist (hls_nested on).</summary>
    public string Playlist(string name) => Path.Combine(HlsDir, name, "index.m3u8");

    /// <summary>
    /// nginx-rtmp's recording of a stream, which record_unique names NAME-UNIXSECONDS.flv: the one
    /// file of that stream, null when there is none; more than one (a publish that began again, a
    /// run longer than the interval) is an error, said with the files.
    /// </summary>
    public string? Recording(string name)
    {
        var files = Directory.Exists(RecordDir)
            ? Directory.GetFiles(RecordDir, name + "-*.flv").Where(f => Path.GetFileNameWithoutExtension(f)[(name.Length + 1)..] is { Length: > 0 } time && time.All(char.IsAsciiDigit)).ToList()
            : [];
        return files.Count switch
        {
            0 => null,
            1 => files[0],
            _ => throw new InvalidOperationException($"more than one recording of {name}: {string.Join(", ", files.Select(Path.GetFileName))}"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Nginx.DisposeAsync().ConfigureAwait(false);
        await _hook.DisposeAsync().ConfigureAwait(false);
    }
}
