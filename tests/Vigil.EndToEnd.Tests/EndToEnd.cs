using Vigil.Stack;

namespace Vigil.EndToEnd.Tests;

/// <summary>Where the end-to-end tests find the programs they run, and how they wait.</summary>
internal static class EndToEnd
{
    /// <summary>Fails in CI, and skips elsewhere, when a peer program is missing.</summary>
    public static void RequirePeers()
    {
        if (MediaPeers.Missing() is not { } message)
        {
            return;
        }
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            Assert.Fail(message);
        }
        Assert.Ignore(message);
    }

    public static StackOptions Options(string name) => new(
        Path.Combine(AppContext.BaseDirectory, "vigil-portal.dll"), AgentBinary.Aot(), MediaPeers.CameraScript,
        Path.Combine(Path.GetTempPath(), $"vigil-e2e-{name}-{Guid.NewGuid().ToString("N")[..8]}"));

    /// <summary>The processes whose command line names the path: what a stack left running under its state directory.</summary>
    public static List<string> ProcessesNaming(string path)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            if (CommandLine(pid) is { } cmdline && cmdline.Contains(path, StringComparison.Ordinal))
            {
                found.Add($"{pid}: {cmdline}");
            }
        }
        return found;
    }

    /// <summary>Every process below a pid (children, their children...), each with its command line, from /proc.</summary>
    public static Dictionary<int, string> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Read(Path.Combine(dir, "stat")) is { } stat)
            {
                // pid (comm) state ppid ...: the command may hold spaces and parentheses, so read after the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields.Length > 1 && int.TryParse(fields[1], out var ppid))
                {
                    parents[pid] = ppid;
                }
            }
        }
        var found = new Dictionary<int, string>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, _) in parents.Where(p => p.Value == parent))
            {
                found[pid] = CommandLine(pid) ?? "";
                frontier.Enqueue(pid);
            }
        }
        return found;
    }

    /// <summary>A process's command line, or null once it is gone.</summary>
    public static string? CommandLine(int pid) => Read($"/proc/{pid}/cmdline")?.Replace('\0', ' ');

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
