using System.Diagnostics;

namespace Vigil.Scan.Tests;

/// <summary>
/// A Linux network namespace for one test fixture, named after this process so that leftovers
/// of a crashed run are recognised (their process is gone) and removed. These tests need root:
/// without it they fail and say so; they never skip.
/// </summary>
internal sealed class Netns : IDisposable
{
    private const string Prefix = "vscan-";
    private static readonly Lock CleanLock = new();
    private static bool _cleaned;

    private Netns(string name) => Name = name;

    public string Name { get; }

    public static Netns Create(string role)
    {
        RequireRoot();
        RemoveLeftovers();
        var name = $"{Prefix}{Environment.ProcessId}-{role}";
        Ip("netns", "del", name, check: false);
        Ip("netns", "add", name);
        var ns = new Netns(name);
        // Duplicate address detection would keep link-local addresses tentative for a second or
        // two, and IPv6 multicast cannot leave from a tentative address.
        ns.Exec("sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad");
        ns.Run("link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Runs `ip -n NAME args`.</summary>
    public void Run(params string[] args) => Ip(["-n", Name, .. args]);

    /// <summary>Runs a command inside the namespace and returns its exit code and output.</summary>
    public (int Code, string Output) Exec(params string[] command) => Shell("ip", ["netns", "exec", Name, .. command], check: true);

    /// <summary>A veth pair from <paramref name="a"/> (named <paramref name="aName"/>) to <paramref name="b"/>, both ends up.</summary>
    public static void Veth(Netns a, string aName, Netns b, string bName)
    {
        Ip("link", "add", aName, "netns", a.Name, "type", "veth", "peer", "name", bName, "netns", b.Name);
        a.Run("link", "set", aName, "up");
        b.Run("link", "set", bName, "up");
    }

    /// <summary>True when the kernel can make the given link type (a VLAN needs the 8021q module).</summary>
    public bool CanAdd(params string[] linkAddArgs)
    {
        var (code, _) = Shell("ip", ["-n", Name, "link", "add", .. linkAddArgs], check: false);
        return code == 0;
    }

    public void Dispose() => Ip("netns", "del", Name, check: false);

    public static void Ip(params string[] args) => Shell("ip", args, check: true);

    private static void Ip(string a, string b, string c, bool check) => Shell("ip", [a, b, c], check);

    private static (int Code, string Output) Shell(string file, string[] args, bool check)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd() + err.Result;
        p.WaitForExit();
        if (check && p.ExitCode != 0)
        {
            Assert.Fail($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {output.Trim()}");
        }
        return (p.ExitCode, output);
    }

    private static void RequireRoot()
    {
        if (Environment.UserName != "root")
        {
            Assert.Fail($"these tests build network namespaces and need root (running as {Environment.UserName}); CI runs them as root");
        }
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
        {
            Assert.Fail("these tests need the ip command (Debian package iproute2)");
        }
    }

    /// <summary>Deletes namespaces left by earlier runs whose process is gone.</summary>
    private static void RemoveLeftovers()
    {
        lock (CleanLock)
        {
            if (_cleaned)
            {
                return;
            }
            _cleaned = true;
            var (_, list) = Shell("ip", ["netns", "list"], check: false);
            foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = line.Split(' ')[0];
                if (!name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }
                var pidText = name[Prefix.Length..].Split('-')[0];
                if (int.TryParse(pidText, out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                {
                    Shell("ip", ["netns", "del", name], check: false);
                }
            }
        }
    }
}
