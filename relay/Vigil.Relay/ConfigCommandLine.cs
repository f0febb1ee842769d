using System.CommandLine;
using System.CommandLine.Help;
using System.Reflection;

namespace Vigil.Relay;

/// <summary>
/// The command line of a server whose settings are one options class (vigil-relay, vigil-portal),
/// through System.CommandLine. Settings come from a JSON file (--config), then environment variables
/// (a prefix and the key), then the command line: the documented switches (--listen, ...) and, as
/// "--Key value", any other key of the options class. A switch or key that the class does not have
/// is an error, said by name, instead of a setting silently ignored.
/// </summary>
public sealed class ConfigCommandLine
{
    private readonly Type _optionsType;
    private readonly List<(Option Option, string Key, bool Repeatable)> _switches = [];

    /// <param name="name">The program's name, as its help and errors say it.</param>
    /// <param name="optionsType">The class whose public properties are the configuration keys.</param>
    public ConfigCommandLine(string name, Type optionsType)
    {
        Name = name;
        _optionsType = optionsType;
    }

    public string Name { get; }

    /// <summary>--config FILE: the JSON file read first.</summary>
    public Option<string> Config { get; } = new("--config") { Description = "a JSON file of settings, read first (then the environment, then the command line)", HelpName = "FILE" };

    /// <summary>What the help says of the settings that have no switch of their own.</summary>
    public static string SettingsHelp(string environmentPrefix, string exampleKey) =>
        $"Every setting (see docs/operations.md) may also be given as --Key value (e.g. --{exampleKey} ...) or as an environment variable {environmentPrefix}<Key>.";

    /// <summary>
    /// A switch for one configuration key. Given twice, the last one counts, as it always did (a test
    /// harness passes defaults, then its own); a repeatable switch sets Key:0, Key:1, ... instead.
    /// </summary>
    public Option<string[]> Switch(string name, string key, string description, string helpName, bool repeatable = false)
    {
        var option = new Option<string[]>(name) { Description = description, HelpName = helpName };
        _switches.Add((option, key, repeatable));
        return option;
    }

    /// <summary>A command that takes --config, these switches and --help.</summary>
    public Command Command(string name, string description)
    {
        var command = new Command(name, description);
        command.Options.Add(Config);
        foreach (var (option, _, _) in _switches)
        {
            command.Options.Add(option);
        }
        command.Options.Add(new HelpOption());
        return command;
    }

    /// <summary>
    /// Parses <paramref name="args"/>: the "--Key value" pairs of settings without a switch are taken
    /// out first (into <paramref name="keys"/>), the rest goes to System.CommandLine's parser, with no
    /// @file expansion (a path may start with '@').
    /// </summary>
    public ParseResult Parse(Command command, IReadOnlyList<string> args, out List<(string Token, string Key, string? Value)> keys)
    {
        var declared = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        var rest = new List<string>();
        keys = [];
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? token[..equals] : token;
            if (token == "--" || !token.StartsWith("--", StringComparison.Ordinal) || declared.Contains(name) ||
                _optionsType.GetProperty(name[2..].Split(':')[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not { CanWrite: true })
            {
                rest.Add(token);
                continue;
            }
            var value = equals > 0 ? token[(equals + 1)..] : i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            keys.Add((name, name[2..], value));
        }
        return command.Parse(rest, new ParserConfiguration { ResponseFileTokenReplacer = null });
    }

    /// <summary>The keys the command line sets, in the configuration's syntax; throws <see cref="CommandLineException"/> on a bad command line.</summary>
    public Dictionary<string, string?> Overrides(ParseResult result, List<(string Token, string Key, string? Value)> keys)
    {
        foreach (var option in _switches.Select(s => s.Option).Append(Config))
        {
            // "--listen --node-id x" is a --listen without its value, not one that listens on "--node-id".
            if (result.GetResult(option) is { Implicit: false } given && (given.Tokens.Count == 0 || given.Tokens.Any(t => t.Value.StartsWith("--", StringComparison.Ordinal))))
            {
                throw new CommandLineException($"{option.Name} needs a value");
            }
        }
        if (result.UnmatchedTokens.Count > 0)
        {
            var token = result.UnmatchedTokens[0];
            throw new CommandLineException(token.StartsWith('-') ? $"unknown option '{token}'" : $"unexpected argument '{token}'");
        }
        if (result.Errors.Count > 0)
        {
            throw new CommandLineException(result.Errors[0].Message);
        }
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (token, key, value) in keys)
        {
            overrides[key] = value ?? throw new CommandLineException($"{token} needs a value");
        }
        foreach (var (option, key, repeatable) in _switches)
        {
            if (result.GetResult(option) is not { Implicit: false } given)
            {
                continue;
            }
            if (repeatable)
            {
                for (var i = 0; i < given.Tokens.Count; i++)
                {
                    overrides[$"{key}:{i}"] = given.Tokens[i].Value;
                }
            }
            else
            {
                overrides[key] = given.Tokens[^1].Value;
            }
        }
        return overrides;
    }

    /// <summary>Prints "name: message" and where the help is; the exit code of a bad command line.</summary>
    public int Refuse(string message)
    {
        Console.Error.WriteLine($"{Name}: {message}");
        Console.Error.WriteLine($"Try '{Name} --help'.");
        return 2;
    }
}

/// <summary>A command line that cannot be run as given; the message says what is wrong.</summary>
public sealed class CommandLineException(string message) : Exception(message);
