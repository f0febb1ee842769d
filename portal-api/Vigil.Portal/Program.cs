using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Vigil.Portal;

return await PortalProgram.MainAsync(args).ConfigureAwait(false);

namespace Vigil.Portal
{
    public static class PortalProgram
    {
        private const string Usage = """
            usage: vigil-portal [run] [--config FILE] [--listen URL] [--database PATH|CONNSTRING] [--public-url URL]
                                [--data-dir DIR] [--embedded-relay ADDR:PORT] [--embedded-relay-api ADDR:PORT]
                                [--web-root DIR] [--trusted-proxies ADDR[,CIDR...]] [--release-keys KEY[,KEY...]]
              --database   a SQLite file (default /var/lib/vigil-portal/portal.db) or a PostgreSQL
                           connection string (Host=...;Database=...) or postgres:// URL
              --embedded-relay  run a relay node in this process, taking agents on ADDR:PORT (the
                           single-server default: vigil-portal --embedded-relay 0.0.0.0:7443)
              --web-root   the built web portal (default: wwwroot next to the program)
              --trusted-proxies  the reverse proxies whose X-Forwarded-For/-Proto are believed
                           (addresses or CIDR networks; default none)
              --release-keys  the agent release public keys an uploaded release must be signed
                           by (base64, comma-separated; ./build.sh release-key makes a pair)
              Every option may also come from a JSON --config file or VIGIL_PORTAL_<Option> variables.
            """;

        private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
        {
            ["--listen"] = nameof(PortalOptions.Listen),
            ["--database"] = nameof(PortalOptions.Database),
            ["--public-url"] = nameof(PortalOptions.PublicUrl),
            ["--data-dir"] = nameof(PortalOptions.DataDir),
            ["--embedded-relay"] = nameof(PortalOptions.EmbeddedRelay),
            ["--embedded-relay-api"] = nameof(PortalOptions.EmbeddedRelayApi),
            ["--admin-login"] = nameof(PortalOptions.AdminLogin),
            ["--password-iterations"] = nameof(PortalOptions.PasswordIterations),
            ["--web-root"] = nameof(PortalOptions.WebRoot),
            ["--trusted-proxies"] = nameof(PortalOptions.TrustedProxies),
            ["--release-keys"] = nameof(PortalOptions.ReleaseKeys),
        };

        public static async Task<int> MainAsync(string[] args)
        {
            // Before the first file is made: the database and every key file are the owner's alone.
            Vigil.Portal.Data.PrivateFiles.RestrictUmask();
            var rest = args.Length > 0 && args[0] == "run" ? args[1..] : args;
            if (rest.Contains("--help") || rest.Contains("-h") || (rest.Length > 0 && !rest[0].StartsWith('-')))
            {
                Console.Error.WriteLine(Usage);
                return rest.Contains("--help") || rest.Contains("-h") ? 0 : 2;
            }
            PortalOptions options;
            try
            {
                options = LoadOptions(rest);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or IOException)
            {
                Console.Error.WriteLine($"vigil-portal: {e.Message}");
                return 78;
            }
            var (app, admin) = await PortalApp.CreateAsync(options).ConfigureAwait(false);
            await using (app)
            {
                if (admin is not null)
                {
                    // Shown once, to whoever started the first run; stored nowhere but as a hash.
                    Console.WriteLine($"""

                        first start: an admin account was made.
                          log in at {options.Listen}/ as '{admin.Login}' with the password {admin.Password}
                          (shown only now: change it after logging in)

                        """);
                }
                await app.RunAsync().ConfigureAwait(false);
            }
            return 0;
        }

        public static PortalOptions LoadOptions(string[] args)
        {
            var config = new ConfigurationBuilder();
            var file = Value(args, "--config");
            if (file is not null)
            {
                config.AddJsonFile(Path.GetFullPath(file), optional: false);
            }
            config.AddEnvironmentVariables("VIGIL_PORTAL_");
            config.AddCommandLine(args.Where((a, i) => a != "--config" && (i == 0 || args[i - 1] != "--config")).ToArray(), Switches);
            var options = new PortalOptions();
            config.Build().Bind(options);
            if (options.PasswordIterations < 10_000)
            {
                throw new InvalidOperationException("PasswordIterations below 10,000 is not allowed");
            }
            _ = Auth.TrustedProxies.Parse(options.TrustedProxies);
            _ = options.ParsedReleaseKeys();
            return options;
        }

        private static string? Value(string[] args, string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
    }
}
