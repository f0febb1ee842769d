using System.Runtime.InteropServices;
using Vigil.Agent;
using Vigil.Protocol.Link;

return await AgentProgram.MainAsync(args).ConfigureAwait(false);

namespace Vigil.Agent
{
    internal static class AgentProgram
    {
        private const string Usage = """
            usage: vigil-agent <command> [--config FILE] [--state-dir DIR] [--source URL --publish URL]
              run       connect to the relays and serve (the default); with a source and a
                        publish target, stream the camera to the streamer as well
              id        print this device's id and key fingerprint (makes the key on first use)
              status    print what the running agent is doing
              version   print the agent's version
              stage-release FILE [--allow-downgrade]
                        check a signed release against the config's release_key, this
                        agent's RID and version, and store its binary in the state directory
              apply-release FILE [--allow-downgrade]
                        the same, then make it the binary the init script starts, on trial
              rollback [--reason TEXT]
                        return to the previous binary
            The config defaults to /etc/vigil/agent.conf.
            """;

        public static async Task<int> MainAsync(string[] args)
        {
            var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
            string? configPath = null, stateDir = null, source = null, publish = null, reason = null;
            var allowDowngrade = false;
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--config" && i + 1 < args.Length)
                {
                    configPath = args[++i];
                }
                else if (args[i] == "--state-dir" && i + 1 < args.Length)
                {
                    stateDir = args[++i];
                }
                else if (args[i] == "--source" && i + 1 < args.Length)
                {
                    source = args[++i];
                }
                else if (args[i] == "--publish" && i + 1 < args.Length)
                {
                    publish = args[++i];
                }
                else if (args[i] == "--reason" && i + 1 < args.Length)
                {
                    reason = args[++i];
                }
                else if (args[i] == "--allow-downgrade")
                {
                    allowDowngrade = true;
                }
                else if (args[i] is "-h" or "--help" or "help")
                {
                    StdIo.OutLine(Usage);
                    return 0;
                }
            }
            try
            {
                switch (command)
                {
                    case "version":
                        StdIo.OutLine($"vigil-agent {AgentInfo.Version}");
                        return 0;
                    case "status":
                        return AgentStatus.Print(stateDir ?? LoadConfig(configPath).StateDir);
                    case "id":
                        return PrintId(stateDir ?? LoadConfig(configPath).StateDir);
                    case "stage-release" or "apply-release" when args.Length > 1 && !args[1].StartsWith('-'):
                        return ReleaseCommand.Stage(LoadConfig(configPath), stateDir, args[1], allowDowngrade, apply: command == "apply-release");
                    case "rollback":
                        return ReleaseSwitch.Rollback(stateDir ?? LoadConfig(configPath).StateDir, reason ?? "rolled back by hand");
                    case "run":
                        var config = LoadConfig(configPath);
                        config.Source = source ?? config.Source;
                        config.Publish = publish ?? config.Publish;
                        config.ApplyMedia("the command line");
                        return await RunAsync(config, stateDir).ConfigureAwait(false);
                    default:
                        StdIo.ErrLine($"vigil-agent: unknown command '{command}'");
                        StdIo.ErrLine(Usage);
                        return 2;
                }
            }
            catch (Exception e) when (e is ConfigException or IdentityException)
            {
                StdIo.ErrLine($"vigil-agent: {e.Message}");
                return 78; // EX_CONFIG: init systems should not restart in a tight loop on this
            }
        }

        private static AgentConfig LoadConfig(string? path) => AgentConfig.Load(path ?? AgentConfig.DefaultPath);

        private static int PrintId(string stateDir)
        {
            var key = AgentKeyStore.LoadOrCreate(stateDir, out var created);
            StdIo.OutLine($"device_id {DeviceIdentity.DeviceId(key.PublicKey)}");
            StdIo.OutLine($"fingerprint {DeviceIdentity.Fingerprint(key.PublicKey)}");
            StdIo.OutLine($"public_key {Convert.ToBase64String(key.PublicKey)}");
            if (created)
            {
                StdIo.ErrLine($"vigil-agent: made a new identity in {stateDir}");
            }
            return 0;
        }

        private static async Task<int> RunAsync(AgentConfig config, string? stateDir)
        {
            if (stateDir is not null)
            {
                config.StateDir = stateDir;
            }
            Log.Verbose = config.Verbose;
            if (config.Relays.Count == 0 && config.Media is null)
            {
                throw new ConfigException("no relay in the config (add relay = host:port)");
            }
            var key = AgentKeyStore.LoadOrCreate(config.StateDir, out var created);
            var context = new AgentContext(config, key);
            Log.Info($"vigil-agent {AgentInfo.Version}, device {context.DeviceId}{(created ? " (new identity)" : "")}, {config.Relays.Count} relay(s)");
            if (config.Media is { } media)
            {
                context.Media.Assign(media);
            }

            var stop = context.Stop;
            void OnSignal(PosixSignalContext signal)
            {
                // Handled here: the runner closes the link and the process exits 0.
                signal.Cancel = true;
                // Named by hand: formatting the enum would link the runtime's enum-name machinery.
                Log.Info($"{(signal.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT")} received, stopping");
                stop.Cancel();
            }
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            if (config.Relays.Count > 0)
            {
                await new AgentRunner(context).RunAsync(stop.Token).ConfigureAwait(false);
            }
            else
            {
                // No relay: the media path alone, until a signal.
                Log.Info("no relay configured: streaming only");
                stop.Token.WaitHandle.WaitOne();
            }
            context.Media.Unassign();
            Log.Info("stopped");
            context.Stop.Dispose();
            return context.ExitCode;
        }
    }
}
