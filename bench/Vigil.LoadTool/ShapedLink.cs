using System.Globalization;

namespace Vigil.LoadTool;

/// <summary>
/// A slow link of the bench's own: a network namespace joined to the host by a veth pair, each end
/// shaped to a rate in its sending direction, and a cut that sets the namespace's end down (the
/// host's routing is never touched, so nothing meant for the namespace can leave the machine).
/// Shaped with netem's rate where the kernel has netem, else with tbf (a token bucket): some
/// kernels (this benchmark's VM among them) are built without sch_netem. Needs root and iproute2.
/// </summary>
public sealed class ShapedLink : IDisposable
{
    private const string Prefix = "vota-";

    private ShapedLink(string ns, string hostEnd, string farEnd, string net)
    {
        Namespace = ns;
        HostEnd = hostEnd;
        FarEnd = farEnd;
        HostAddress = System.Net.IPAddress.Parse($"{net}.1");
        FarAddress = System.Net.IPAddress.Parse($"{net}.2");
    }

    public string Namespace { get; }
    public string HostEnd { get; }
    public string FarEnd { get; }
    public System.Net.IPAddress HostAddress { get; }
    public System.Net.IPAddress FarAddress { get; }

    /// <summary>The qdisc that shapes the link: "netem" or "tbf".</summary>
    public string Shaper { get; private set; } = "";

    public static ShapedLink Create(int kbit)
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException($"this benchmark makes a network namespace and needs root (running as {Environment.UserName})");
        }
        RemoveLeftovers();
        var tag = $"{Environment.ProcessId % 100000}";
        var net = $"10.{200 + Random.Shared.Next(50)}.{Random.Shared.Next(256)}";
        var link = new ShapedLink($"{Prefix}{Environment.ProcessId}", $"vho{tag}", $"vao{tag}", net);
        try
        {
            Ip("netns", "add", link.Namespace);
            Ip("link", "add", link.HostEnd, "type", "veth", "peer", "name", link.FarEnd);
            Ip("link", "set", link.FarEnd, "netns", link.Namespace);
            Ip("addr", "add", $"{net}.1/30", "dev", link.HostEnd);
            Ip("link", "set", link.HostEnd, "up");
            link.InNamespace("ip", "addr", "add", $"{net}.2/30", "dev", link.FarEnd);
            link.InNamespace("ip", "link", "set", link.FarEnd, "up");
            link.InNamespace("ip", "link", "set", "lo", "up");
            link.Shape(kbit);
            return link;
        }
        catch
        {
            link.Dispose();
            throw;
        }
    }

    /// <summary>Each end sends at most <paramref name="kbit"/> kbit/s: the host's end is the download, the far end the upload.</summary>
    private void Shape(int kbit)
    {
        var rate = $"{kbit.ToString(CultureInfo.InvariantCulture)}kbit";
        var netem = Run("tc", ["qdisc", "add", "dev", HostEnd, "root", "netem", "rate", rate]);
        if (netem.Code == 0)
        {
            Shaper = "netem";
            InNamespace("tc", "qdisc", "add", "dev", FarEnd, "root", "netem", "rate", rate);
            return;
        }
        // A token bucket of 4 KB that queues at most 400 ms: what a 1 Mbit/s uplink's modem does.
        Shaper = "tbf";
        string[] tbf = ["root", "tbf", "rate", rate, "burst", "4kb", "latency", "400ms"];
        Check("tc", ["qdisc", "add", "dev", HostEnd, .. tbf]);
        InNamespace(["tc", "qdisc", "add", "dev", FarEnd, .. tbf]);
    }

    /// <summary>Cuts the link (the far end down) or restores it.</summary>
    public void SetCut(bool cut) => InNamespace("ip", "link", "set", FarEnd, cut ? "down" : "up");

    /// <summary>The command line that runs a program inside the namespace (ip netns exec execs it: same pid).</summary>
    public string[] Exec(params string[] command) => ["ip", "netns", "exec", Namespace, .. command];

    private void InNamespace(params string[] command) => Check("ip", ["netns", "exec", Namespace, .. command]);

    public void Dispose()
    {
        // Deleting the namespace deletes its end of the pair, and with it the host's.
        Run("ip", ["netns", "del", Namespace]);
        Run("ip", ["link", "del", HostEnd]);
    }

    private static void Ip(params string[] args) => Check("ip", args);

    private static void Check(string file, string[] args)
    {
        var (code, output) = Run(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {output.Trim()}");
        }
    }

    private static (int Code, string Output) Run(string file, string[] args) => AgentProcess.RunToEnd(file, args);

    /// <summary>Namespaces of earlier runs whose process is gone.</summary>
    private static void RemoveLeftovers()
    {
        var (_, list) = Run("ip", ["netns", "list"]);
        foreach (var name in list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]))
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && int.TryParse(name[Prefix.Length..], out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                Run("ip", ["netns", "del", name]);
            }
        }
    }
}
