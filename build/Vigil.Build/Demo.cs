using System.Diagnostics;

namespace Vigil.Build;

/// <summary>
/// `./build.sh demo`: runs what stands of the system on this machine and says where to look.
/// Today that is a relay node and the NativeAOT agent connected to it; the portal, the streamer
/// and the simulated camera join as they land. Ctrl-C stops everything it started.
/// </summary>
internal static class Demo
{
    public static int Run(string[] args)
    {
        var agent = AgentPublisher.Publish(AgentPublisher.HostRid);
        var output = Path.Combine(Paths.Artifacts, "demo-bin");
        Shell.Run("dotnet", ["build", Path.Combine(Paths.Root, "relay", "Vigil.Relay", "Vigil.Relay.csproj"), "-c", "Release", "-nologo", "-v", "quiet", "-o", output]);
        var state = Path.Combine(Paths.Artifacts, "demo");
        Directory.CreateDirectory(state);
        var relayDll = Path.Combine(output, "vigil-relay.dll");
        var keyFile = Path.Combine(state, "relay.key");
        var tokenFile = Path.Combine(state, "api.token");
        var (_, pub) = Shell.Capture("dotnet", [relayDll, "pubkey", "--key-file", keyFile]);
        var config = Path.Combine(state, "agent.conf");
        File.WriteAllText(config, $"""
            # The demo camera's agent: one relay on this machine.
            relay = 127.0.0.1:7443
            relay_key = {pub.Trim()}
            state_dir = {Path.Combine(state, "agent")}
            serial = DEMO-0001
            model = demo-camera
            """);

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var relay = Start("dotnet", [relayDll, "--listen", "127.0.0.1:7443", "--api-listen", "127.0.0.1:7480", "--key-file", keyFile, "--api-token-file", tokenFile, "--node-id", "demo-relay"]);
        Thread.Sleep(2000);
        using var camera = Start(agent, ["run", "--config", config]);
        Thread.Sleep(1500);
        var token = File.ReadAllText(tokenFile).Trim();
        Console.WriteLine($"""

            Vigil demo is running (Ctrl-C stops it):
              relay node API   http://127.0.0.1:7480  (bearer token in {tokenFile})
              connected agents curl -s -H "Authorization: Bearer {token}" http://127.0.0.1:7480/v1/sessions
              metrics          curl -s -H "Authorization: Bearer {token}" http://127.0.0.1:7480/metrics
              agent status     {agent} status --config {config}
            Not here yet: the portal, the streamer and the simulated camera's video.
            """);
        stop.Token.WaitHandle.WaitOne();
        foreach (var p in new[] { camera, relay })
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
        }
        Console.WriteLine("demo stopped");
        return 0;
    }

    private static Process Start(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi) ?? throw new BuildException($"cannot start {file}");
    }
}
