using System.Diagnostics;

namespace Vigil.Firmware.Tests;

/// <summary>Short-lived commands: run, wait with a limit, return the exit code and all output.</summary>
internal static class Processes
{
    public static (int Code, string Output) Run(TimeSpan timeout, string file, IEnumerable<string> args, Dictionary<string, string>? environment = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (environment is not null)
        {
            psi.Environment.Clear();
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s:\n{stdout.Result}{stderr.Result}");
        }
        // A background process that kept the pipes (a daemon that did not redirect its output) would
        // hold them open for ever: that is a finding, not something to wait for.
        if (!Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10)))
        {
            Assert.Fail($"{file} {string.Join(' ', args)} exited but something it started still holds its output open");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
