using Vigil.Live;

return await LiveProgram.MainAsync(args).ConfigureAwait(false);

namespace Vigil.Live
{
    public static class LiveProgram
    {
        private const string Usage = """
            usage: vigil-live [--config FILE] [--listen URL] [--hook-url URL] [--rtmp-url URL]
                              [--janus-url URL] [--janus-secret SECRET] [--ffmpeg FILE]
                              [--linger-seconds N] [--max-idle-feeds N] [--hls-dir DIR]
              WebRTC live on a streamer node: Janus plays the node's nginx-rtmp streams to viewers whom
              the portal's hook allows. Every option may also come from a JSON --config file or
              VIGIL_LIVE_<Option> variables (deploy/vigil-live/vigil-live.json is a sample).
            """;

        private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
        {
            ["--listen"] = nameof(LiveOptions.Listen),
            ["--hook-url"] = nameof(LiveOptions.HookUrl),
            ["--rtmp-url"] = nameof(LiveOptions.RtmpUrl),
            ["--janus-url"] = nameof(LiveOptions.JanusUrl),
            ["--janus-secret"] = nameof(LiveOptions.JanusSecret),
            ["--ffmpeg"] = nameof(LiveOptions.Ffmpeg),
            ["--linger-seconds"] = nameof(LiveOptions.LingerSeconds),
            ["--max-idle-feeds"] = nameof(LiveOptions.MaxIdleFeeds),
            ["--hls-dir"] = nameof(LiveOptions.HlsDir),
        };

        public static async Task<int> MainAsync(string[] args)
        {
            if (args.Contains("--help") || args.Contains("-h"))
            {
                Console.Error.WriteLine(Usage);
                return 0;
            }
            LiveOptions options;
            try
            {
                options = LoadOptions(args);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or IOException)
            {
                Console.Error.WriteLine($"vigil-live: {e.Message}");
                return 78;
            }
            if (options.Error() is { } error)
            {
                Console.Error.WriteLine($"vigil-live: {error}");
                return 78;
            }
            await using var app = Build(options);
            var hub = app.Services.GetRequiredService<LiveHub>();
            app.Lifetime.ApplicationStopping.Register(() => hub.StopAllAsync().GetAwaiter().GetResult());
            app.Lifetime.ApplicationStarted.Register(() => _ = StartupCheck.RunAsync(app.Services.GetRequiredService<JanusClient>(),
                app.Services.GetRequiredService<PlayHook>(), app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil.Live.Startup")));
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }

        public static WebApplication Build(LiveOptions options)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(options.Listen);
            // Its own lines (viewers, feeds, refusals) at Information; the framework's per-request lines only when they warn.
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.Services.AddSingleton(options);
            // One client for Janus (long-polls up to 30 s, so a longer timeout) and one for the portal.
            builder.Services.AddSingleton(sp => new JanusClient(new HttpClient { Timeout = TimeSpan.FromSeconds(40) }, options));
            builder.Services.AddSingleton(sp => new PlayHook(new HttpClient { Timeout = TimeSpan.FromSeconds(3) }, options, sp.GetRequiredService<ILogger<PlayHook>>()));
            builder.Services.AddSingleton<LiveHub>();
            // The portal's pages (another origin) call the signaling from the browser.
            builder.Services.AddCors(o => o.AddPolicy(LiveEndpoints.Cors, p => p.AllowAnyOrigin()
                .WithMethods(HttpMethods.Post, HttpMethods.Patch, HttpMethods.Delete).WithHeaders("Content-Type").WithExposedHeaders("Location")));
            builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, LiveJsonContext.Default));
            var app = builder.Build();
            app.UseCors();
            LiveEndpoints.Map(app);
            return app;
        }

        public static LiveOptions LoadOptions(string[] args)
        {
            var config = new ConfigurationBuilder();
            var switches = new Dictionary<string, string?>(StringComparer.Ordinal);
            string? file = null;
            for (var i = 0; i < args.Length; i++)
            {
                if (i + 1 >= args.Length)
                {
                    throw new InvalidOperationException($"{args[i]} needs a value");
                }
                if (args[i] == "--config")
                {
                    file = args[++i];
                }
                else if (Switches.TryGetValue(args[i], out var key))
                {
                    switches[key] = args[++i];
                }
                else
                {
                    throw new InvalidOperationException($"unknown option {args[i]} (--help)");
                }
            }
            if (file is not null)
            {
                config.AddJsonFile(Path.GetFullPath(file), optional: false);
            }
            config.AddEnvironmentVariables("VIGIL_LIVE_");
            config.AddInMemoryCollection(switches);
            var options = new LiveOptions();
            config.Build().Bind(options);
            return options;
        }
    }
}
