using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Stack;

/// <summary>
/// The streamer node's nginx configuration as shipped in deploy/nginx-rtmp (nginx.conf.template,
/// vigil-rtmp.conf.template, vigil-http.conf.template), filled in: what the demo, the tests and the
/// benchmarks run is the file an operator installs, not a copy of it.
/// </summary>
public static partial class StreamerConfig
{
    private static readonly string[] Templates = ["nginx.conf", "vigil-rtmp.conf", "vigil-http.conf"];

    /// <summary>
    /// Fills the three templates of <paramref name="templateDir"/> into <paramref name="confDir"/>
    /// (CONF_DIR is set to it); returns the path of the filled nginx.conf.
    /// </summary>
    public static async Task<string> WriteAsync(string templateDir, string confDir, IReadOnlyDictionary<string, string> values)
    {
        Directory.CreateDirectory(confDir);
        var all = new Dictionary<string, string>(values, StringComparer.Ordinal) { ["CONF_DIR"] = confDir };
        foreach (var name in Templates)
        {
            var template = await File.ReadAllTextAsync(Path.Combine(templateDir, name + ".template")).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(confDir, name), Fill(template, all, name)).ConfigureAwait(false);
        }
        return Path.Combine(confDir, "nginx.conf");
    }

    /// <summary>
    /// Replaces each @NAME@ outside comments with its value. A placeholder without a value, or a value
    /// that would end a directive or open a block (whitespace, ';', '{', '}', quotes, '#', '$'), is an
    /// error: a filled file is nginx's configuration exactly as the template means it.
    /// </summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values, string what = "template")
    {
        var output = new StringBuilder(template.Length + 256);
        foreach (var line in template.Split('\n'))
        {
            if (output.Length > 0)
            {
                output.Append('\n');
            }
            if (line.TrimStart().StartsWith('#'))
            {
                output.Append(line);
                continue;
            }
            output.Append(Placeholder().Replace(line, m =>
            {
                var name = m.Groups[1].Value;
                if (!values.TryGetValue(name, out var value))
                {
                    throw new InvalidOperationException($"{what}: no value for @{name}@");
                }
                if (value.Length == 0 || value.AsSpan().IndexOfAny(Unsafe) >= 0)
                {
                    throw new ArgumentException($"{what}: the value of @{name}@ ('{value}') may not be empty or hold whitespace, ';', braces, quotes, '#' or '$'");
                }
                return value;
            }));
        }
        return output.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(" \t\r\n;{}\"'#$\\");

    [GeneratedRegex("@([A-Z_]+)@")]
    private static partial Regex Placeholder();
}
