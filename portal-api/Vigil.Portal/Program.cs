using System.CommandLine;
using System.CommandLine.Help;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Vigil.Portal;
using Vigil.Relay;

return await PortalProgram.MainAsync(args).ConfigureAwait(false);

namespace Vigil.Portal
{
    public static class PortalProgram
    {
        private static readonly ConfigCommandLine Line = new("vigil-portal", typeof(PortalOptions));

        // Declared before the commands that take them: static fields are set in the order written.
        private static readonly Option[] Switches =
        [
            Line.Switch("--listen", nameof(PortalOptions.Listen), "where the API listens (default http://127.0.0.1:8080)", "URL"),
            Line.Switch("--database", nameof(PortalOptions.Database),
                "a SQLite file (default /var/lib/vigil-portal/portal.db) or a PostgreSQL connection string (Host=...;Database=...) or postgres:// URL", "PATH|CONNSTRING"),
            Line.Switch("--public-url", nameof(PortalOptions.PublicUrl), "how the portal is reached from outside, for the links it hands out (default: the request's host)", "URL"),
            Line.Switch("--data-dir", nameof(PortalOptions.DataDir), "files of the portal's own: the embedded relay's key and token (default /var/lib/vigil-portal)", "DIR"),
            Line.Switch("--embedded-relay", nameof(PortalOptions.EmbeddedRelay),
                "run a relay node in this process, taking agents on ADDR:PORT (the single-server default: vigil-portal --embedded-relay 0.0.0.0:7443)", "ADDR:PORT"),
            Line.Switch("--embedded-relay-api", nameof(PortalOptions.EmbeddedRelayApi), "that node's API, on loopback (default 127.0.0.1:7480)", "ADDR:PORT"),
            Line.Switch("--admin-login", nameof(PortalOptions.AdminLogin), "the login of the account the first start makes (default admin)", "LOGIN"),
            Line.Switch("--password-iterations", nameof(PortalOptions.PasswordIterations), "PBKDF2 cost of new password hashes (at least 10,000)", "N"),
            Line.Switch("--web-root", nameof(PortalOptions.WebRoot), "the built web portal (default: wwwroot next to the program)", "DIR"),
            Line.Switch("--trusted-proxies", nameof(PortalOptions.TrustedProxies),
                "the reverse proxies whose X-Forwarded-For/-Proto are believed (addresses or CIDR networks; default none)", "ADDR[,CIDR...]"),
            Line.Switch("--release-keys", nameof(PortalOptions.ReleaseKeys),
                "the agent release public keys an uploaded release must be signed by (base64, comma-separated; ./build.sh release-key makes a pair)", "KEY[,KEY...]"),
        ];

        private static readonly string RunHelp = "Runs the portal: its API, the web portal, the streamers' hooks and, if asked, an embedded relay node. " +
            ConfigCommandLine.SettingsHelp("VIGIL_PORTAL_", nameof(PortalOptions.EnrolmentTokenRequired));

        /// <summary>"vigil-portal run ..." and "vigil-portal ...": the same command.</summary>
        private static readonly Command Run = Line.Command("run", "the same as no command");

        private static readonly Command Root = MakeRoot();

        private static Command MakeRoot()
        {
            var root = Line.Command("vigil-portal", RunHelp);
            root.Subcommands.Add(Run);
            // No subcommand is "run", as "vigil-portal --listen ..." always was.
            root.SetAction(_ => 0);
            return root;
        }

        public static async Task<int> MainAsync(string[] args)
        {
            // Before the first file is made: the database and every key file are the owner's alone.
            Vigil.Portal.Data.PrivateFiles.RestrictUmask();
            var result = Line.Parse(Root, args, out var keys);
            if (result.Action is HelpAction)
            {
                return result.Invoke();
            }
            PortalOptions options;
            try
            {
                options = LoadOptions(result.GetValue(Line.Config), Line.Overrides(result, keys));
            }
            catch (CommandLineException e)
            {
                return Line.Refuse(e.Message);
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

        /// <summary>
        /// The options of "vigil-portal run ARGS". A bad command line throws <see cref="CommandLineException"/>;
        /// a bad setting, <see cref="InvalidOperationException"/> or <see cref="FormatException"/>.
        /// </summary>
        public static PortalOptions LoadOptions(string[] args)
        {
            var result = Line.Parse(Run, args, out var keys);
            return LoadOptions(result.GetValue(Line.Config), Line.Overrides(result, keys));
        }

        private static PortalOptions LoadOptions(string? file, Dictionary<string, string?> overrides)
        {
            var config = new ConfigurationBuilder();
            if (file is not null)
            {
                config.AddJsonFile(Path.GetFullPath(file), optional: false);
            }
            config.AddEnvironmentVariables("VIGIL_PORTAL_");
            config.AddInMemoryCollection(overrides);
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
    }
}
