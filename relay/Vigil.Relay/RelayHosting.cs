using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;
using Vigil.Protocol.OpenSsl;
using Vigil.Protocol.Server;
using Vigil.Relay.Agents;
using Vigil.Relay.Api;
using Vigil.Relay.Portal;
using Vigil.Relay.Updates;

namespace Vigil.Relay;

/// <summary>
/// The relay node as a library, in the manner of ASP.NET Core's own building blocks:
/// <see cref="AddVigilRelay"/> registers the node and its two Kestrel listeners (agents, node API)
/// with a host's builder, <see cref="MapVigilRelay"/> maps the node API. vigil-relay is a thin host
/// over these (its command line becomes a <see cref="RelayOptions"/>), and the portal embeds a node
/// with <see cref="Build"/> and typed options. The node owns the Kestrel of the host it is added to.
/// </summary>
public static class RelayHosting
{
    /// <summary>Kestrel's read buffer per connection: two of the largest link frames.</summary>
    private const int MaxReadBuffer = 2 * (LinkFraming.HeaderLength + LinkFraming.MaxFrameLength);

    /// <summary>
    /// Adds a relay node: its static key and API token (read from their files, or made there on the
    /// first start, mode 0600), the node, its heartbeats, its link to the portal when it has one, and
    /// Kestrel's listeners. Throws <see cref="InvalidOperationException"/> on a bad setting.
    /// </summary>
    public static WebApplicationBuilder AddVigilRelay(this WebApplicationBuilder builder, RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var staticKey = KeyFiles.LoadOrCreateStaticKey(options.KeyFile, out var keyCreated);
        var apiToken = KeyFiles.LoadOrCreateToken(options.ApiTokenFile, out var tokenCreated);
        var tunnelKeys = options.TunnelTrustedKeys
            .Select(k => Convert.FromBase64String(k))
            .Select(k => k.Length == 32 ? k : throw new InvalidOperationException("a tunnel key is 32 bytes of base64"))
            .ToList();

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new RelaySecrets(staticKey, apiToken, keyCreated, tokenCreated));
        // Handshakes are mostly X25519, and OpenSSL's is several times faster than the managed one.
        INoiseDh dh = NativeX25519.IsSupported ? NativeX25519.ForStaticKey(staticKey) : ManagedX25519.Instance;
        builder.Services.AddSingleton(sp => new RelayNode(options, staticKey, tunnelKeys, new NativeChaChaPolyFactory(), sp.GetRequiredService<ILogger<RelayNode>>(), dh));
        builder.Services.AddHostedService<HeartbeatSweeper>();
        if (options.PortalUrl.Length > 0)
        {
            var portalToken = options.PortalToken.Length > 0 ? options.PortalToken : File.ReadAllText(options.PortalTokenFile).Trim();
            builder.Services.AddSingleton(sp => new PortalLink(sp.GetRequiredService<RelayNode>(), options.PortalUrl, portalToken));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<PortalLink>());
        }
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, RelayJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, NodeJsonContext.Default);
        });
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
        return builder;
    }

    /// <summary>Maps the node API and the release store, and closes every agent link when the host stops.</summary>
    public static WebApplication MapVigilRelay(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var node = app.Services.GetRequiredService<RelayNode>();
        var secrets = app.Services.GetRequiredService<RelaySecrets>();
        var options = node.Options;
        node.Registry.Observer = app.Services.GetService<PortalLink>();
        app.MapNodeApi(node, secrets.ApiToken);
        app.MapUpdateApi(node);
        if (secrets.KeyCreated)
        {
            RelayLog.MadeSecret(node.Logger, "relay static key", options.KeyFile);
        }
        if (secrets.ApiTokenCreated)
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
        if (node.Dh is ManagedX25519)
        {
            RelayLog.ManagedDh(node.Logger);
        }
        RelayLog.Started(node.Logger, options.NodeId, options.Listen, options.ApiListen, Convert.ToBase64String(node.StaticKey.PublicKey));
        return app;
    }

    /// <summary>A relay node in a host of its own, logging to the console: what vigil-relay runs and what the portal embeds.</summary>
    public static WebApplication Build(RelayOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.AddVigilRelay(options);
        var app = builder.Build();
        app.MapVigilRelay();
        return app;
    }
}

