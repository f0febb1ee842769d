using System.Globalization;
using System.Net;
using Vigil.Stack;

namespace Vigil.Live.Tests;

/// <summary>
/// A viewer's home network behind a masquerading NAT, built of two network namespaces of its own:
/// the viewer (10.N.1.2/24, its default route the router) and the router (10.N.1.1 inside,
/// 10.N.0.2/30 outside, joined to the host's 10.N.0.1). The router masquerades everything it sends
/// out (nftables), and, like a strict home or office NAT, forwards out only TCP to the ports the
/// test names and UDP and TCP to coturn's port (<see cref="Allow"/>): the viewer's direct UDP to Janus is dropped (and
/// counted), and nothing from the host reaches the viewer's private address, which the host has no
/// route to. The host's own firewall and routing are not touched. Needs root, iproute2 and nft.
/// </summary>
internal sealed class NatNetwork : IDisposable
{
    private const string Prefix = "vnat-";

    private NatNetwork(string tag, string net)
    {
        Viewer = $"{Prefix}v{tag}";
        Router = $"{Prefix}r{tag}";
        // "veth" in its name: Janus's ice_ignore_list keeps the node's candidates off it.
        HostEnd = $"vethvn{tag}";
        HostAddress = IPAddress.Parse($"{net}.0.1");
        RouterAddress = IPAddress.Parse($"{net}.0.2");
        ViewerAddress = IPAddress.Parse($"{net}.1.2");
        ViewerNet = $"{net}.1";
    }

    /// <summary>The viewer's namespace: run the browser there (<see cref="Exec"/>).</summary>
    public string Viewer { get; }
    public string Router { get; }
    public string HostEnd { get; }
    /// <summary>The host's address on the link to the router: where the viewer reaches the portal, the node and coturn.</summary>
    public IPAddress HostAddress { get; }
    /// <summary>The router's outside address: every packet of the viewer reaches the host from it.</summary>
    public IPAddress RouterAddress { get; }
    /// <summary>The viewer's private address, which the host cannot reach.</summary>
    public IPAddress ViewerAddress { get; }
    private string ViewerNet { get; }

    /// <summary>The command prefix that runs a program in the viewer's namespace.</summary>
    public string[] Exec => ["ip", "netns", "exec", Viewer];

    /// <summary>Builds the two namespaces and the NAT; the exact error of the first command the machine refuses is thrown.</summary>
    public static NatNetwork Create()
    {
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException($"the NAT-ed viewer needs network namespaces, hence root (running as {Environment.UserName})");
        }
        RemoveLeftovers();
        var tag = (Environment.ProcessId % 100000).ToString(CultureInfo.InvariantCulture);
        var net = $"10.{150 + Random.Shared.Next(50)}";
        var n = new NatNetwork(tag, net);
        try
        {
            Check("ip", "netns", "add", n.Router);
            Check("ip", "netns", "add", n.Viewer);
            Check("ip", "link", "add", n.HostEnd, "type", "veth", "peer", "name", "up0", "netns", n.Router);
            Check("ip", "-n", n.Router, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", n.Viewer);
            Check("ip", "addr", "add", $"{n.HostAddress}/30", "dev", n.HostEnd);
            Check("ip", "link", "set", n.HostEnd, "up");
            Check("ip", "-n", n.Router, "addr", "add", $"{n.RouterAddress}/30", "dev", "up0");
            Check("ip", "-n", n.Router, "addr", "add", $"{n.ViewerNet}.1/24", "dev", "lan0");
            foreach (var dev in (string[])["lo", "up0", "lan0"])
            {
                Check("ip", "-n", n.Router, "link", "set", dev, "up");
            }
            Check("ip", "-n", n.Viewer, "addr", "add", $"{n.ViewerAddress}/24", "dev", "eth0");
            Check("ip", "-n", n.Viewer, "link", "set", "eth0", "up");
            Check("ip", "-n", n.Viewer, "link", "set", "lo", "up");
            Check("ip", "-n", n.Viewer, "route", "add", "default", "via", $"{n.ViewerNet}.1");
            Check("ip", "-n", n.Router, "route", "add", "default", "via", n.HostAddress.ToString());
            Check("ip", "netns", "exec", n.Router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            n.Nft("""
                table ip nat {
                  chain postrouting { type nat hook postrouting priority srcnat; oifname "up0" masquerade; }
                }
                """);
            return n;
        }
        catch
        {
            n.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What the NAT forwards out, as a strict one does: TCP to <paramref name="tcpPorts"/> and UDP and TCP
    /// to coturn's port of the host; the rest of the viewer's UDP is dropped and counted.
    /// </summary>
    public void Allow(IEnumerable<int> tcpPorts, int turnPort)
    {
        var tcp = string.Join(", ", tcpPorts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var turn = turnPort.ToString(CultureInfo.InvariantCulture);
        Nft($$"""
            table ip filter {
              counter direct_udp { }
              chain forward {
                type filter hook forward priority filter; policy drop;
                ct state established,related accept
                iifname "lan0" ip daddr {{HostAddress}} tcp dport { {{tcp}} } accept
                iifname "lan0" ip daddr {{HostAddress}} udp dport {{turn}} accept
                iifname "lan0" ip daddr {{HostAddress}} tcp dport {{turn}} accept
                iifname "lan0" meta l4proto udp counter name direct_udp drop
              }
            }
            """);
    }

    private void Nft(string rules)
    {
        var file = Path.Combine(Path.GetTempPath(), $"{Router}-{Guid.NewGuid():N}.nft");
        File.WriteAllText(file, rules);
        try
        {
            Check("ip", "netns", "exec", Router, "nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>UDP packets of the viewer the NAT dropped: its direct attempts at the node's media ports.</summary>
    public long DroppedUdpPackets()
    {
        var (code, output) = AgentProcess.RunToEnd("ip", ["netns", "exec", Router, "nft", "list", "counter", "ip", "filter", "direct_udp"]);
        if (code != 0)
        {
            throw new InvalidOperationException($"nft list counter failed ({code}): {output.Trim()}");
        }
        var at = output.IndexOf("packets ", StringComparison.Ordinal);
        return at < 0 ? throw new InvalidOperationException($"no packet count in: {output}")
            : long.Parse(output[(at + 8)..].Split(' ', 2)[0], CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        // Deleting the namespaces deletes their veth ends, and with them the host's.
        AgentProcess.RunToEnd("ip", ["netns", "del", Viewer]);
        AgentProcess.RunToEnd("ip", ["netns", "del", Router]);
        AgentProcess.RunToEnd("ip", ["link", "del", HostEnd]);
    }

    private static void Check(string file, params string[] args)
    {
        var (code, output) = AgentProcess.RunToEnd(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {output.Trim()}");
        }
    }

    /// <summary>Namespaces of earlier runs whose process is gone.</summary>
    private static void RemoveLeftovers()
    {
        var (_, list) = AgentProcess.RunToEnd("ip", ["netns", "list"]);
        foreach (var name in list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]))
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && int.TryParse(name[(Prefix.Length + 1)..], out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                AgentProcess.RunToEnd("ip", ["netns", "del", name]);
            }
        }
    }
}
