using System.Diagnostics;

namespace Vigil.Stack;

/// <summary>A program run to its end: its exit code and what it printed on each stream.</summary>
public static class ProgramRun
{
    /// <summary>A .NET program: dotnet PROGRAM.dll ARGS.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> RunAsync(string dll, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        RunFileAsync("dotnet", [dll, .. args], environment, timeout);

    /// <summary>Any executable (ffmpeg, ffprobe...); past <paramref name="timeout"/> (60 s) it is killed and a TimeoutException says what it printed.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunFileAsync(string file, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', psi.ArgumentList)} did not exit: {await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
        }
        return (p.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
