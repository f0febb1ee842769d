using System.Net;
using System.Net.Sockets;
using Vigil.Stack;

namespace Vigil.Relay.Tests;

/// <summary>Where the binaries under test are, and small helpers every fixture uses.</summary>
internal static class TestEnv
{
    public static string Root => Repository.Root;

    /// <summary>The relay as ops run it: its own process.</summary>
    public static string RelayDll => Path.Combine(AppContext.BaseDirectory, "vigil-relay.dll");

    /// <summary>
    /// The agent under test: the NativeAOT binary that `./build.sh test` publishes (VIGIL_AGENT_AOT),
    /// or artifacts/agent/linux-x64/vigil-agent. Only outside CI, with neither present, the JIT build.
    /// </summary>
    public static string Agent => AgentBinary.Locate(Path.Combine(AppContext.BaseDirectory, "vigil-agent.dll"));

    public static bool AgentIsAot => !Agent.EndsWith(".dll", StringComparison.Ordinal);

    public static Task<RelayProcess> StartRelayAsync(params string[] args) => RelayProcess.StartAsync(RelayDll, args);

    public static string TempDir() => Directory.CreateTempSubdirectory("vigil-test-").FullName;

    /// <summary>Polls until the condition holds or the time is up; returns whether it held.</summary>
    public static async Task<bool> WaitUntil(Func<Task<bool>> condition, TimeSpan timeout) =>
        await Poll.WithinAsync(timeout, condition) is not null;

    public static async Task<string> Metrics(RelayProcess relay) => await relay.Api.GetStringAsync("/metrics");

    /// <summary>The value of one metric line, e.g. vigil_relay_handshake_failures_total{reason="bad_preamble"}.</summary>
    public static async Task<long> Metric(RelayProcess relay, string series)
    {
        var text = await Metrics(relay);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<bool> Listed(RelayProcess relay, string deviceId) =>
        (await relay.Api.GetStringAsync("/v1/sessions")).Contains(deviceId, StringComparison.Ordinal);

    public static IPEndPoint ApiEndPoint(RelayProcess relay) => new(IPAddress.Loopback, relay.Api.BaseAddress!.Port);

    /// <summary>A TCP echo server on loopback: what a camera's local port answers in tunnel tests.</summary>
    public static (TcpListener Listener, Task Serving) EchoServer(CancellationToken ct)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        async Task Serve()
        {
            while (!ct.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        var s = client.GetStream();
                        var buffer = new byte[8192];
                        int n;
                        try
                        {
                            while ((n = await s.ReadAsync(buffer, ct)) > 0)
                            {
                                await s.WriteAsync(buffer.AsMemory(0, n), ct);
                            }
                            client.Client.Shutdown(SocketShutdown.Send);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                        {
                        }
                    }
                }, ct);
            }
        }
        return (listener, Serve());
    }
}
