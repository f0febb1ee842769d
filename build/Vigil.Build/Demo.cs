namespace Vigil.Build;

/// <summary>`./build.sh demo`: the whole system on this machine.</summary>
internal static class Demo
{
    public static int Run(string[] args)
    {
        Console.WriteLine("demo: not yet assembled");
        return 1;
    }
}
