using System.Text;

namespace Vigil.Scan.Tests;

/// <summary>The captures and shapes next to the tests (see Captures/SOURCES.md and Shapes/README.md).</summary>
internal static class TestData
{
    public static string Dir => AppContext.BaseDirectory;

    public static string Capture(string name) => File.ReadAllText(Path.Combine(Dir, "Captures", name));

    public static string Shape(string name, params (string Key, string Value)[] values)
    {
        var text = File.ReadAllText(Path.Combine(Dir, "Shapes", name));
        foreach (var (k, v) in values)
        {
            text = text.Replace("{{" + k + "}}", v, StringComparison.Ordinal);
        }
        return text;
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
