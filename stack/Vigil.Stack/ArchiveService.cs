namespace Vigil.Stack;

/// <summary>vigil-archive run as its own process (dotnet vigil-archive.dll) on a free loopback port, for the tests and benchmarks of a streamer node's archive.</summary>
public static class ArchiveService
{
    /// <summary>Starts it over <paramref name="recordDir"/> and <paramref name="archiveDir"/> (each further setting as --Key value); returns once /healthz answers.</summary>
    public static async Task<(PeerProcess Process, ArchiveRecording Recording)> StartAsync(string dll, string recordDir, string archiveDir, string interval,
        params string[] settings)
    {
        var port = RelayProcess.FreePort();
        Directory.CreateDirectory(recordDir);
        Directory.CreateDirectory(archiveDir);
        var process = PeerProcess.Start("vigil-archive", "dotnet",
            [dll, "--Listen", $"127.0.0.1:{port}", "--RecordDir", recordDir, "--ArchiveDir", archiveDir, .. settings]);
        var url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var answer = await http.GetAsync(url + "/healthz").ConfigureAwait(false);
                if (answer.IsSuccessStatusCode)
                {
                    return (process, new ArchiveRecording(recordDir, url, interval));
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException("vigil-archive did not answer /healthz:\n" + process.Output);
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}
