namespace Vigil.Build;

/// <summary>`./build.sh bench NAME`: the benchmarks whose figures go to docs/performance.md.</summary>
internal static class Bench
{
    public static int Run(string[] args)
    {
        Console.WriteLine("bench: none yet");
        return 1;
    }
}
