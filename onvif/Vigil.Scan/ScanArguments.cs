using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using Vigil.Onvif.Client;
using Vigil.Onvif.Scanning;

namespace Vigil.Scan;

/// <summary>
/// The command line of vigil-scan, through System.CommandLine: its parser splits the tokens and
/// writes the help; each value is still checked here with a message that says what is wrong.
/// </summary>
internal sealed record ScanArguments(ScanOptions Options, bool Json, int Verbosity, bool Help)
{
    public const string PasswordVariable = "VIGIL_SCAN_PASSWORD";

    private const string Description = """
        Finds cameras on this machine's networks: ONVIF WS-Discovery, mDNS/DNS-SD, SSDP,
        Hikvision SADP and Dahua DHDiscover, then asks each ONVIF device about itself.
        """;

    private static readonly Option<TimeSpan> Timeout = new("--timeout")
    {
        Description = "how long the whole scan takes (default 3)",
        HelpName = "SECONDS",
        CustomParser = r =>
        {
            var t = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0.2 || seconds > 3600)
            {
                r.AddError($"--timeout takes seconds between 0.2 and 3600, not '{t}'");
                return default;
            }
            return TimeSpan.FromSeconds(seconds);
        },
    };

    private static readonly Option<string[]> Interfaces = new("--interface")
    {
        Description = "scan on this interface only (repeatable; default: every usable one)",
        HelpName = "NAME",
    };

    private static readonly Option<CidrRange[]> Range = new("--range")
    {
        Description = "also probe each address of this IPv4 range by unicast (repeatable, up to /16)",
        HelpName = "CIDR",
        CustomParser = r =>
        {
            var ranges = new List<CidrRange>();
            foreach (var token in r.Tokens)
            {
                if (!CidrRange.TryParse(token.Value, out var range, out var error))
                {
                    r.AddError($"--range: {error}");
                    return [];
                }
                ranges.Add(range);
            }
            return [.. ranges];
        },
    };

    private static readonly Option<bool> NoMulticast = new("--no-multicast") { Description = "send only the unicast probes of --range" };

    private static readonly Option<ScanProtocols> Protocols = new("--protocols")
    {
        Description = "comma-separated: ws-discovery,mdns,ssdp,sadp,dhdiscover (default: all)",
        HelpName = "LIST",
        CustomParser = r =>
        {
            var protocols = ScanProtocols.None;
            foreach (var name in (r.Tokens.Count > 0 ? r.Tokens[^1].Value : "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!ScanProtocolNames.TryParse(name, out var p) || p == ScanProtocols.Onvif)
                {
                    r.AddError($"--protocols: unknown protocol '{name}' (known: ws-discovery, mdns, ssdp, sadp, dhdiscover)");
                    return ScanProtocols.None;
                }
                protocols |= p;
            }
            return protocols;
        },
    };

    private static readonly Option<bool> NoOnvif = new("--no-onvif") { Description = "do not ask the devices found anything" };

    private static readonly Option<bool> FollowXAddrs = new("--follow-xaddrs")
    {
        Description = "also ask (without credentials) the XAddrs that name another host than the one that answered; by default they are listed, not contacted",
    };

    private static readonly Option<string> User = new("--user") { Description = "ONVIF user; with a password the scan reads profiles and RTSP addresses", HelpName = "NAME" };

    private static readonly Option<string> Password = new("--password")
    {
        Description = $"ONVIF password (visible to other users in the process list; prefer --password-file or the {PasswordVariable} environment variable)",
        HelpName = "PASS",
    };

    private static readonly Option<string> PasswordFile = new("--password-file") { Description = "read the password from the first line of FILE", HelpName = "FILE" };

    private static readonly Option<bool> JsonOutput = new("--json") { Description = "print JSON (the format is in docs/scan.md) instead of a table" };

    private static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "log to stderr what the scan does and what it ignores (repeatable; -vv: more)" };

    private static readonly Option<bool> VeryVerbose = new("-vv") { Description = "log more: -v twice" };

    /// <summary>Options whose occurrence without a value is an error of its own, said by name.</summary>
    private static readonly Option[] Valued = [Timeout, Interfaces, Range, Protocols, User, Password, PasswordFile];

    /// <summary>The command: its help is what --help prints. Named, not after the host process (a test's is testhost).</summary>
    public static Command Command { get; } = new("vigil-scan", Description)
    {
        Timeout, Interfaces, Range, NoMulticast, Protocols, NoOnvif, FollowXAddrs, User, Password, PasswordFile, JsonOutput, Verbose, VeryVerbose,
        new HelpOption(),
    };

    /// <summary>Parses as vigil-scan does; a bad command line throws <see cref="UsageException"/> with what is wrong.</summary>
    public static ScanArguments Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        // No @file expansion: an argument is what it says (a camera's password may start with '@').
        var result = Command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Action is HelpAction)
        {
            return new ScanArguments(new ScanOptions(), false, 0, Help: true);
        }
        foreach (var option in Valued)
        {
            // As before: "--user --json" is a --user without its value, not a user named "--json".
            if (result.GetResult(option) is { Implicit: false } given && (given.Tokens.Count == 0 || given.Tokens.Any(t => t.Value.StartsWith("--", StringComparison.Ordinal))))
            {
                throw new UsageException($"{option.Name} needs a value");
            }
        }
        if (result.UnmatchedTokens.Count > 0)
        {
            var token = result.UnmatchedTokens[0];
            throw new UsageException(token.StartsWith('-') ? $"unknown option '{token}'" : $"unexpected argument '{token}'");
        }
        if (result.Errors.Count > 0)
        {
            throw new UsageException(result.Errors[0].Message);
        }
        var user = result.GetValue(User);
        var password = result.GetValue(Password);
        if (result.GetValue(PasswordFile) is { } file)
        {
            try
            {
                password = File.ReadLines(file).FirstOrDefault() ?? "";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--password-file: cannot read {file}: {e.Message}");
            }
        }
        password ??= environment(PasswordVariable);
        if (password is not null && user is null)
        {
            throw new UsageException("a password needs --user");
        }
        var ranges = result.GetValue(Range) ?? [];
        var multicast = !result.GetValue(NoMulticast);
        if (!multicast && ranges.Length == 0)
        {
            throw new UsageException("--no-multicast needs at least one --range");
        }
        var options = new ScanOptions
        {
            // Defaults said in the help's words, not as the parser would print a TimeSpan or a flags enum.
            Timeout = result.GetResult(Timeout) is null ? TimeSpan.FromSeconds(3) : result.GetValue(Timeout),
            Interfaces = [.. result.GetValue(Interfaces) ?? []],
            Ranges = ranges,
            Protocols = result.GetResult(Protocols) is null ? ScanProtocols.Discovery : result.GetValue(Protocols),
            Multicast = multicast,
            QueryOnvif = !result.GetValue(NoOnvif),
            FollowXAddrs = result.GetValue(FollowXAddrs),
            Credentials = user is null ? null : new OnvifCredentials(user, password ?? ""),
        };
        // Each -v (or --verbose) is one level more; -vv is two.
        var verbosity = result.Tokens.Count(t => t.Type == TokenType.Option && (t.Value is "-v" or "--verbose")) +
                        2 * result.Tokens.Count(t => t.Type == TokenType.Option && t.Value == "-vv");
        return new ScanArguments(options, result.GetValue(JsonOutput), verbosity, Help: false);
    }

    /// <summary>Writes the help (every option, its value and default) to <paramref name="output"/>.</summary>
    public static void WriteHelp(TextWriter output) =>
        Command.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output });
}

internal sealed class UsageException(string message) : Exception(message);
