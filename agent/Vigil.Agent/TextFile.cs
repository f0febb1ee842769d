using System.Text;

namespace Vigil.Agent;

/// <summary>
/// Small text files (the config, the key and id files) read as UTF-8 with an optional byte-order mark.
/// File.ReadAllLines would also sniff UTF-16 and UTF-32 marks, which links two more encodings and the
/// stream reader; the agent's files are written by install scripts and by the agent, in UTF-8 or ASCII.
/// </summary>
internal static class TextFile
{
    public static string ReadAllText(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        return Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
    }

    /// <summary>The lines as File.ReadAllLines splits them: at "\n", "\r" or "\r\n", no empty last line.</summary>
    public static string[] ReadAllLines(string path)
    {
        var text = ReadAllText(path);
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\r')
            {
                lines.Add(text[start..i]);
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }
        return [.. lines];
    }
}
