using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;
using Vigil.Protocol.Tunnels;
using Vigil.Relay;
using Vigil.Relay.Agents;
using Vigil.Relay.Api;
using Vigil.Relay.Crypto;
using Vigil.Relay.Updates;

return await RelayProgram.MainAsync(args).ConfigureAwait(false);

namespace Vigil.Relay
{
    public static class RelayProgram
    {
        private const string Usage = """
            usage: vigil-relay [run] [--config FILE] [--listen ADDR:PORT] [--api-listen ADDR:PORT] [--node-id ID]
                               [--key-file FILE] [--api-token-file FILE]
                               [--portal-url URL --portal-token-file FILE]
                   vigil-relay pubkey --key-file FILE        print the relay's public key (for agent configs)
                   vigil-relay tunnel-keygen --out FILE      make an Ed25519 key for signing tunnel tokens
                   vigil-relay tunnel-token --signing-key FILE --device ID --port N [--ttl SECONDS] [--subject WHO]
            """;

        /// <summary>Kestrel's read buffer per connection: two of the largest link frames.</summary>
        private const int MaxReadBuffer = 2 * (LinkFraming.HeaderLength + LinkFraming.MaxFrameLength);

        private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
        {
            ["--listen"] = nameof(RelayOptions.Listen),
            ["--api-listen"] = nameof(RelayOptions.ApiListen),
            ["--node-id"] = nameof(RelayOptions.NodeId),
            ["--key-file"] = nameof(RelayOptions.KeyFile),
            ["--api-token-file"] = nameof(RelayOptions.ApiTokenFile),
            ["--heartbeat-interval"] = nameof(RelayOptions.HeartbeatIntervalSeconds),
            ["--heartbeat-timeout"] = nameof(RelayOptions.HeartbeatTimeoutSeconds),
            ["--handshake-timeout"] = nameof(RelayOptions.HandshakeTimeoutSeconds),
            ["--tunnel-key"] = nameof(RelayOptions.TunnelTrustedKeys) + ":0",
            ["--portal-url"] = nameof(RelayOptions.PortalUrl),
            ["--portal-token-file"] = nameof(RelayOptions.PortalTokenFile),
        };

        public static async Task<int> MainAsync(string[] args)
        {
            var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
            var rest = command == "run" && args.Length > 0 && args[0] == "run" ? args[1..] : args;
            try
            {
                switch (command)
                {
                    case "run":
                        await using (var app = Build(rest))
                        {
                            await app.RunAsync().ConfigureAwait(false);
                        }
                        return 0;
                    case "pubkey":
                        var key = KeyFiles.LoadOrCreateStaticKey(Arg(rest, "--key-file") ?? new RelayOptions().KeyFile, out _);
                        Console.WriteLine(Convert.ToBase64String(key.PublicKey));
                        return 0;
                    case "tunnel-keygen":
                        var (sk, pk) = TunnelToken.GenerateSigningKey();
                        KeyFiles.WriteSecret(Arg(rest, "--out") ?? throw new InvalidOperationException("--out FILE is required"), Convert.ToBase64String(sk) + "\n");
                        Console.WriteLine($"public key (put in TunnelTrustedKeys): {Convert.ToBase64String(pk)}");
                        return 0;
                    case "tunnel-token":
                        return SignTunnelToken(rest);
                    case "help" or "--help" or "-h":
                        Console.WriteLine(Usage);
                        return 0;
                    default:
                        Console.Error.WriteLine(Usage);
                        return 2;
                }
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"vigil-relay: {e.Message}");
                return 78;
            }
        }

        /// <summary>Builds the relay node: Kestrel with the agent listener and the node API.</summary>
        public static WebApplication Build(string[] args)
        {
            var configFile = Arg(args, "--config");
            var cleaned = RemoveArg(args, "--config");
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
            builder.Configuration.Sources.Clear();
            if (configFile is not null)
            {
                builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
            }
            builder.Configuration.AddEnvironmentVariables("VIGIL_RELAY_");
            builder.Configuration.AddCommandLine(cleaned, Switches);
            var options = new RelayOptions();
            builder.Configuration.Bind(options);
            options.Validate();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

            var staticKey = KeyFiles.LoadOrCreateStaticKey(options.KeyFile, out var keyCreated);
            var apiToken = KeyFiles.LoadOrCreateToken(options.ApiTokenFile, out var tokenCreated);
            var tunnelKeys = options.TunnelTrustedKeys
                .Select(k => Convert.FromBase64String(k))
                .Select(k => k.Length == 32 ? k : throw new InvalidOperationException("a tunnel key is 32 bytes of base64"))
                .ToList();

            builder.Services.AddSingleton(options);
            // Handshakes are mostly X25519, and OpenSSL's is several times faster than the managed one.
            var nativeDh = NativeX25519.IsSupported;
            INoiseDh dh = nativeDh ? NativeX25519.ForStaticKey(staticKey) : ManagedX25519.Instance;
            builder.Services.AddSingleton(sp => new RelayNode(options, staticKey, tunnelKeys, new NativeChaChaPolyFactory(), sp.GetRequiredService<ILogger<RelayNode>>(), dh));
            builder.Services.AddHostedService<HeartbeatSweeper>();
            if (options.PortalUrl.Length > 0)
            {
                var portalToken = options.PortalToken.Length > 0 ? options.PortalToken : File.ReadAllText(options.PortalTokenFile).Trim();
                builder.Services.AddSingleton(sp => new Vigil.Relay.Portal.PortalLink(sp.GetRequiredService<RelayNode>(), options.PortalUrl, portalToken));
                builder.Services.AddHostedService(sp => sp.GetRequiredService<Vigil.Relay.Portal.PortalLink>());
            }
            builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, RelayJsonContext.Default));
            // What Kestrel buffers of one connection before it stops reading it. The default (1 MiB) is
            // what each flooding agent could pin while the relay works through its frames; two of the
            // largest frames are enough to keep a link busy.
            builder.WebHost.UseSockets(o => o.MaxReadBufferSize = MaxReadBuffer);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Limits.MaxRequestBodySize = 64 * 1024;
                k.Listen(RelayOptions.ParseEndpoint(options.Listen), l => l.UseConnectionHandler<AgentConnectionHandler>());
                k.Listen(RelayOptions.ParseEndpoint(options.ApiListen), l => l.Protocols = HttpProtocols.Http1);
            });

            var app = builder.Build();
            var node = app.Services.GetRequiredService<RelayNode>();
            node.Registry.Observer = app.Services.GetService<Vigil.Relay.Portal.PortalLink>();
            app.MapNodeApi(node, apiToken);
            app.MapUpdateApi(node);
            if (keyCreated)
            {
                RelayLog.MadeSecret(node.Logger, "relay static key", options.KeyFile);
            }
            if (tokenCreated)
            {
                RelayLog.MadeSecret(node.Logger, "node API token", options.ApiTokenFile);
            }
            // On SIGTERM, Kestrel waits for open connections; agent links never end by themselves, so
            // end them: each agent reconnects to another node at once (a drain first is kinder).
            app.Lifetime.ApplicationStopping.Register(() =>
            {
                foreach (var session in node.Registry.All)
                {
                    session.Close("relay_stopping");
                }
            });
            if (!nativeDh)
            {
                RelayLog.ManagedDh(node.Logger);
            }
            RelayLog.Started(node.Logger, options.NodeId, options.Listen, options.ApiListen, Convert.ToBase64String(staticKey.PublicKey));
            return app;
        }

        private static int SignTunnelToken(string[] args)
        {
            var keyFile = Arg(args, "--signing-key") ?? throw new InvalidOperationException("--signing-key FILE is required");
            var device = Arg(args, "--device") ?? throw new InvalidOperationException("--device ID is required");
            var port = int.Parse(Arg(args, "--port") ?? throw new InvalidOperationException("--port N is required"), System.Globalization.CultureInfo.InvariantCulture);
            var ttl = int.Parse(Arg(args, "--ttl") ?? "300", System.Globalization.CultureInfo.InvariantCulture);
            var sk = Convert.FromBase64String(File.ReadAllText(keyFile).Trim());
            var now = DateTimeOffset.UtcNow;
            var token = new TunnelToken { DeviceId = device, Port = port, IssuedAt = now, ExpiresAt = now.AddSeconds(ttl), Subject = Arg(args, "--subject") ?? Environment.UserName };
            Console.WriteLine(token.Sign(sk));
            return 0;
        }

        private static string? Arg(string[] args, string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        private static string[] RemoveArg(string[] args, string name)
        {
            var i = Array.IndexOf(args, name);
            return i < 0 ? args : [.. args[..i], .. args[Math.Min(args.Length, i + 2)..]];
        }
    }
}
