using System.CommandLine;
using System.CommandLine.Help;
using Microsoft.Extensions.Configuration;
using Vigil.Protocol.Tunnels;
using Vigil.Relay;

return await RelayProgram.MainAsync(args).ConfigureAwait(false);

namespace Vigil.Relay
{
    public static class RelayProgram
    {
        private static readonly ConfigCommandLine Line = new("vigil-relay", typeof(RelayOptions));

        private static readonly Option<string[]> Listen = Line.Switch("--listen", nameof(RelayOptions.Listen), "where agents connect (default 0.0.0.0:7443)", "ADDR:PORT");
        private static readonly Option<string[]> ApiListen = Line.Switch("--api-listen", nameof(RelayOptions.ApiListen), "the node API: health, metrics, sessions, commands, drain, tunnels (default 127.0.0.1:7480)", "ADDR:PORT");
        private static readonly Option<string[]> NodeId = Line.Switch("--node-id", nameof(RelayOptions.NodeId), "the node's name (default: the host name)", "ID");
        private static readonly Option<string[]> KeyFile = Line.Switch("--key-file", nameof(RelayOptions.KeyFile), "the static X25519 key, made at the first start (default /var/lib/vigil-relay/relay.key)", "FILE");
        private static readonly Option<string[]> ApiTokenFile = Line.Switch("--api-token-file", nameof(RelayOptions.ApiTokenFile), "the node API's bearer token, made at the first start (default /var/lib/vigil-relay/api.token)", "FILE");
        private static readonly Option<string[]> HeartbeatInterval = Line.Switch("--heartbeat-interval", nameof(RelayOptions.HeartbeatIntervalSeconds), "ping a link silent this long (default 20)", "SECONDS");
        private static readonly Option<string[]> HeartbeatTimeout = Line.Switch("--heartbeat-timeout", nameof(RelayOptions.HeartbeatTimeoutSeconds), "close a link silent this long (default 60)", "SECONDS");
        private static readonly Option<string[]> HandshakeTimeout = Line.Switch("--handshake-timeout", nameof(RelayOptions.HandshakeTimeoutSeconds), "a connection must finish its handshake and hello within this (default 10)", "SECONDS");
        private static readonly Option<string[]> TunnelKey = Line.Switch("--tunnel-key", nameof(RelayOptions.TunnelTrustedKeys), "an Ed25519 public key (base64) whose tunnel tokens the node honours (repeatable)", "KEY", repeatable: true);
        private static readonly Option<string[]> PortalUrl = Line.Switch("--portal-url", nameof(RelayOptions.PortalUrl), "the portal this node reports hellos and presence to (default: none, the node stands alone)", "URL");
        private static readonly Option<string[]> PortalTokenFile = Line.Switch("--portal-token-file", nameof(RelayOptions.PortalTokenFile), "the file holding the token the portal gave this node", "FILE");

        private static readonly string RunHelp = "Runs a relay node: holds the agents' links and routes commands and tunnels to them. " +
            ConfigCommandLine.SettingsHelp("VIGIL_RELAY_", nameof(RelayOptions.MaxStreamsPerSession));

        /// <summary>"vigil-relay run ..." and "vigil-relay ...": the same command.</summary>
        private static readonly Command Run = Line.Command("run", "the same as no command");

        private static readonly Option<string> OutFile = new("--out") { Description = "where to write the private key (mode 0600)", HelpName = "FILE" };
        private static readonly Option<string> SigningKey = new("--signing-key") { Description = "the Ed25519 private key made by tunnel-keygen", HelpName = "FILE" };
        private static readonly Option<string> Device = new("--device") { Description = "the agent's device id", HelpName = "ID" };
        private static readonly Option<int> Port = new("--port") { Description = "the camera's local port the tunnel may reach", HelpName = "N" };
        private static readonly Option<int> Ttl = new("--ttl") { Description = "how long the token is valid", HelpName = "SECONDS", DefaultValueFactory = _ => 300 };
        private static readonly Option<string> Subject = new("--subject") { Description = "who the token is for, for the relay's log (default: this user)", HelpName = "WHO" };

        private static readonly Command PubKey = new("pubkey", "print the relay's public key (for agent configs)") { KeyFile, new HelpOption() };
        private static readonly Command TunnelKeygen = new("tunnel-keygen", "make an Ed25519 key for signing tunnel tokens") { OutFile, new HelpOption() };
        private static readonly Command TunnelTokenCommand = new("tunnel-token", "sign a tunnel token for one device and port") { SigningKey, Device, Port, Ttl, Subject, new HelpOption() };

        private static readonly Command Root = MakeRoot();

        private static Command MakeRoot()
        {
            var root = Line.Command("vigil-relay", RunHelp);
            // No subcommand is "run": the root runs the node itself, as "vigil-relay --listen ..." always did.
            root.SetAction(_ => 0);
            root.Subcommands.Add(Run);
            root.Subcommands.Add(PubKey);
            root.Subcommands.Add(TunnelKeygen);
            root.Subcommands.Add(TunnelTokenCommand);
            return root;
        }

        public static async Task<int> MainAsync(string[] args)
        {
            var result = Line.Parse(Root, args is ["help"] ? ["--help"] : args, out var keys);
            if (result.Action is HelpAction)
            {
                return result.Invoke();
            }
            try
            {
                var command = result.CommandResult.Command;
                if (command == PubKey || command == TunnelKeygen || command == TunnelTokenCommand)
                {
                    if (keys.Count > 0 || result.Errors.Count > 0)
                    {
                        return Line.Refuse(keys.Count > 0 ? $"unknown option '{keys[0].Token}'" : result.Errors[0].Message);
                    }
                    if (command == PubKey)
                    {
                        var key = KeyFiles.LoadOrCreateStaticKey(result.GetValue(KeyFile) is [.., var keyFile] ? keyFile : new RelayOptions().KeyFile, out _);
                        Console.WriteLine(Convert.ToBase64String(key.PublicKey));
                        return 0;
                    }
                    if (command == TunnelKeygen)
                    {
                        var (sk, pk) = TunnelToken.GenerateSigningKey();
                        KeyFiles.WriteSecret(result.GetValue(OutFile) ?? throw new InvalidOperationException("--out FILE is required"), Convert.ToBase64String(sk) + "\n");
                        Console.WriteLine($"public key (put in TunnelTrustedKeys): {Convert.ToBase64String(pk)}");
                        return 0;
                    }
                    return SignTunnelToken(result);
                }
                Dictionary<string, string?> overrides;
                try
                {
                    overrides = Line.Overrides(result, keys);
                }
                catch (CommandLineException e)
                {
                    return Line.Refuse(e.Message);
                }
                await using (var app = RelayHosting.Build(LoadOptions(result.GetValue(Line.Config), overrides)))
                {
                    await app.RunAsync().ConfigureAwait(false);
                }
                return 0;
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"vigil-relay: {e.Message}");
                return 78;
            }
        }

        /// <summary>The node's settings: the JSON file, then the environment (VIGIL_RELAY_...), then the command line.</summary>
        private static RelayOptions LoadOptions(string? configFile, Dictionary<string, string?> overrides)
        {
            var configuration = new ConfigurationBuilder();
            if (configFile is not null)
            {
                configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
            }
            configuration.AddEnvironmentVariables("VIGIL_RELAY_");
            configuration.AddInMemoryCollection(overrides);
            var options = new RelayOptions();
            configuration.Build().Bind(options);
            return options;
        }

        private static int SignTunnelToken(ParseResult result)
        {
            var keyFile = result.GetValue(SigningKey) ?? throw new InvalidOperationException("--signing-key FILE is required");
            var device = result.GetValue(Device) ?? throw new InvalidOperationException("--device ID is required");
            var port = result.GetResult(Port) is null ? throw new InvalidOperationException("--port N is required") : result.GetValue(Port);
            var ttl = result.GetValue(Ttl);
            var sk = Convert.FromBase64String(File.ReadAllText(keyFile).Trim());
            var now = DateTimeOffset.UtcNow;
            var token = new TunnelToken { DeviceId = device, Port = port, IssuedAt = now, ExpiresAt = now.AddSeconds(ttl), Subject = result.GetValue(Subject) ?? Environment.UserName };
            Console.WriteLine(token.Sign(sk));
            return 0;
        }
    }
}
