using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vigil.Onvif.Scanning;
using Vigil.Scan;

ScanArguments parsed;
try
{
    parsed = ScanArguments.Parse(args, Environment.GetEnvironmentVariable);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"vigil-scan: {e.Message}");
    Console.Error.WriteLine("Try 'vigil-scan --help'.");
    return 2;
}
if (parsed.Help)
{
    ScanArguments.WriteHelp(Console.Out);
    return 0;
}

var logger = new StderrLogger(parsed.Verbosity switch { 0 => LogLevel.Warning, 1 => LogLevel.Information, _ => LogLevel.Debug });
using var stop = new CancellationTokenSource();
// Ctrl+C ends the scan early and still prints what it found.
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

ScanResult result;
try
{
    using var scanner = new Scanner(parsed.Options, logger);
    result = await scanner.RunAsync(stop.Token);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"vigil-scan: {e.Message}");
    return 2;
}

if (parsed.Json)
{
    await using var stdout = Console.OpenStandardOutput();
    await JsonSerializer.SerializeAsync(stdout, ScanReport.From(result), ScanReportJson.Default.ScanReport);
    await stdout.WriteAsync("\n"u8.ToArray());
}
else
{
    TableWriter.Write(Console.Out, result);
}
if (result.DatagramsRefused + result.DatagramsDropped > 0 && parsed.Verbosity == 0)
{
    Console.Error.WriteLine($"vigil-scan: {result.DatagramsRefused} datagram(s) ignored as malformed or unexpected, {result.DatagramsDropped} dropped by the rate limit; -v says why");
}
return 0;
