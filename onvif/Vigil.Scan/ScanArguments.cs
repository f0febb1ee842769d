using System.Globalization;
using Vigil.Onvif.Client;
using Vigil.Onvif.Scanning;

namespace Vigil.Scan;

/// <summary>The command line of vigil-scan, parsed by hand: a handful of options, each checked with a message that says what is wrong.</summary>
internal sealed record ScanArguments(ScanOptions Options, bool Json, int Verbosity, bool Help)
{
    public const string Usage = """
        usage: vigil-scan [options]

        Finds cameras on this machine's networks: ONVIF WS-Discovery, mDNS/DNS-SD, SSDP,
        Hikvision SADP and Dahua DHDiscover, then asks each ONVIF device about itself.

          --timeout SECONDS      how long the whole scan takes (default 3)
          --interface NAME       scan on this interface only (repeatable; default: every usable one)
          --range CIDR           also probe each address of this IPv4 range by unicast (repeatable, up to /16)
          --no-multicast         send only the unicast probes of --range
          --protocols LIST       comma-separated: ws-discovery,mdns,ssdp,sadp,dhdiscover (default: all)
          --no-onvif             do not ask the devices found anything
          --follow-xaddrs        also ask (without credentials) the XAddrs that name another host
                                 than the one that answered; by default they are listed, not contacted
          --user NAME            ONVIF user; with a password the scan reads profiles and RTSP addresses
          --password PASS        ONVIF password (visible to other users in the process list; prefer
                                 --password-file or the VIGIL_SCAN_PASSWORD environment variable)
          --password-file FILE   read the password from the first line of FILE
          --json                 print JSON (the format is in docs/scan.md) instead of a table
          -v, --verbose          log to stderr what the scan does and what it ignores (-vv: more)
          -h, --help             this text
        """;

    public static ScanArguments Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var timeout = TimeSpan.FromSeconds(3);
        var interfaces = new List<string>();
        var ranges = new List<CidrRange>();
        var protocols = ScanProtocols.Discovery;
        bool multicast = true, onvif = true, json = false, help = false, follow = false;
        var verbosity = 0;
        string? user = null, password = null;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"{a} needs a value");
                }
                return args[++i];
            }
            switch (a)
            {
                case "--timeout":
                    var t = Value();
                    if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0.2 || seconds > 3600)
                    {
                        throw new UsageException($"--timeout takes seconds between 0.2 and 3600, not '{t}'");
                    }
                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case "--interface":
                    interfaces.Add(Value());
                    break;
                case "--range":
                    if (!CidrRange.TryParse(Value(), out var range, out var error))
                    {
                        throw new UsageException($"--range: {error}");
                    }
                    ranges.Add(range);
                    break;
                case "--no-multicast":
                    multicast = false;
                    break;
                case "--protocols":
                    protocols = ScanProtocols.None;
                    foreach (var name in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!ScanProtocolNames.TryParse(name, out var p) || p == ScanProtocols.Onvif)
                        {
                            throw new UsageException($"--protocols: unknown protocol '{name}' (known: ws-discovery, mdns, ssdp, sadp, dhdiscover)");
                        }
                        protocols |= p;
                    }
                    break;
                case "--no-onvif":
                    onvif = false;
                    break;
                case "--follow-xaddrs":
                    follow = true;
                    break;
                case "--user":
                    user = Value();
                    break;
                case "--password":
                    password = Value();
                    break;
                case "--password-file":
                    var file = Value();
                    try
                    {
                        password = File.ReadLines(file).FirstOrDefault() ?? "";
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new UsageException($"--password-file: cannot read {file}: {e.Message}");
                    }
                    break;
                case "--json":
                    json = true;
                    break;
                case "-v" or "--verbose":
                    verbosity++;
                    break;
                case "-vv":
                    verbosity += 2;
                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    throw new UsageException($"unknown option '{a}'");
            }
        }
        password ??= environment("VIGIL_SCAN_PASSWORD");
        if (password is not null && user is null)
        {
            throw new UsageException("a password needs --user");
        }
        if (!multicast && ranges.Count == 0)
        {
            throw new UsageException("--no-multicast needs at least one --range");
        }
        var options = new ScanOptions
        {
            Timeout = timeout,
            Interfaces = interfaces,
            Ranges = ranges,
            Protocols = protocols,
            Multicast = multicast,
            QueryOnvif = onvif,
            FollowXAddrs = follow,
            Credentials = user is null ? null : new OnvifCredentials(user, password ?? ""),
        };
        return new ScanArguments(options, json, verbosity, help);
    }
}

internal sealed class UsageException(string message) : Exception(message);
