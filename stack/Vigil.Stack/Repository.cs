namespace Vigil.Stack;

/// <summary>
/// The repository the programs run from: the demo, the tests and the benchmarks run out of its build
/// folders and take its files (deploy/ templates, the camera script, the built web portal) from it.
/// </summary>
public static class Repository
{
    private static readonly Lazy<string> Found = new(() => Find(AppContext.BaseDirectory));

    /// <summary>The root above the running program (the directory of Agent.sln).</summary>
    public static string Root => Found.Value;

    /// <summary>The repository's root (the directory of Agent.sln) at or above a directory.</summary>
    public static string Find(string from)
    {
        var dir = from;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Agent.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return dir ?? throw new InvalidOperationException($"cannot find the repository root (Agent.sln) at or above {from}");
    }
}
