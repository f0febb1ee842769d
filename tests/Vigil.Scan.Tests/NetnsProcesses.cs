using System.Diagnostics;
using System.Text.Json;
using Vigil.Scan.CameraSim;

namespace Vigil.Scan.Tests;

/// <summary>Processes run inside a namespace: the camera simulator, and vigil-scan itself.</summary>
internal static class NetnsProcesses
{
    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Where a program was built (see the AssemblyMetadata in the project file).</summary>
    public static string ProgramPath(string key, string dll)
    {
        var dir = typeof(NetnsProcesses).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        var path = Path.GetFullPath(Path.Combine(dir, dll));
        if (!File.Exists(path))
        {
            Assert.Fail($"{path} is not built");
        }
        return path;
    }

    private static ProcessStartInfo InNamespace(Netns ns, string dll, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        var program = dll == "vigil-scan.dll" ? ProgramPath("VigilScanDir", dll) : ProgramPath("VigilCamsimDir", dll);
        foreach (var a in new[] { "netns", "exec", ns.Name, Dotnet, program }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
    }

    /// <summary>Starts vigil-camsim with these devices and waits until it says it is ready.</summary>
    public static async Task<SimProcess> StartSimAsync(Netns ns, IEnumerable<SimDevice> devices)
    {
        var config = Path.Combine(Path.GetTempPath(), $"camsim-{ns.Name}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new SimConfig { DataDir = TestData.Dir, Devices = [.. devices] }, SimConfig.Json));
        var p = Process.Start(InNamespace(ns, "vigil-camsim.dll", [config]))!;
        var errors = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        p.BeginErrorReadLine();
        var ready = p.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(30))) != ready || ready.Result != "ready")
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"vigil-camsim in {ns.Name} did not start: {errors}");
        }
        return new SimProcess(p, errors);
    }

    /// <summary>
    /// Runs vigil-scan to its end, watching its resident memory from /proc while it runs (ip netns
    /// exec becomes the scanner: same process). A scan that does not end within a minute fails.
    /// </summary>
    public static async Task<ScanOutput> ScanAsync(Netns ns, params string[] args)
    {
        var watch = Stopwatch.StartNew();
        using var p = Process.Start(InNamespace(ns, "vigil-scan.dll", args))!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peakKiB = 0;
        var exited = p.WaitForExitAsync();
        while (!exited.IsCompleted)
        {
            peakKiB = Math.Max(peakKiB, ReadKiB(p.Id, "VmHWM:"));
            if (watch.Elapsed > TimeSpan.FromMinutes(1))
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"vigil-scan {string.Join(' ', args)} did not end within a minute");
            }
            await Task.WhenAny(exited, Task.Delay(20));
        }
        return new ScanOutput(p.ExitCode, await stdout, await stderr, peakKiB, watch.Elapsed);
    }

    private static long ReadKiB(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

internal sealed class SimProcess(Process process, System.Text.StringBuilder errors) : IDisposable
{
    public string Errors
    {
        get
        {
            lock (errors)
            {
                return errors.ToString();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(3000))
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }
}

/// <summary>What a vigil-scan run printed, with its JSON at hand.</summary>
internal sealed record ScanOutput(int ExitCode, string Stdout, string Stderr, long PeakRssKiB, TimeSpan Wall)
{
    private JsonDocument? _json;

    public JsonElement Json => (_json ??= JsonDocument.Parse(Stdout)).RootElement;

    public List<JsonElement> Devices => [.. Json.GetProperty("devices").EnumerateArray()];

    public JsonElement? Device(string address) =>
        Devices.Cast<JsonElement?>().FirstOrDefault(d => d!.Value.GetProperty("addresses").EnumerateArray().Any(a => a.GetString() == address));

    public JsonElement The(string address) => Device(address) ?? throw new AssertionException($"no device at {address} in:\n{Stdout}\n{Stderr}");

    public static List<string> Strings(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetString()!)];
}
