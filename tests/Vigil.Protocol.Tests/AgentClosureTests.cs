using System.Xml.Linq;

namespace Vigil.Protocol.Tests;

/// <summary>
/// The server-side projects beside the protocol (the OpenSSL crypto, the relay-portal contract with
/// its JSON serializer) never reach the agent: it runs where there is no OpenSSL, and its size has
/// no room for a serializer.
/// </summary>
[TestFixture]
public sealed class AgentClosureTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Agent.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Agent.sln not found above " + AppContext.BaseDirectory);
    }

    private static IEnumerable<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([Path.GetFullPath(project)]);
        while (queue.TryDequeue(out var p))
        {
            if (!seen.Add(p))
            {
                continue;
            }
            foreach (var reference in XDocument.Load(p).Descendants("ProjectReference"))
            {
                queue.Enqueue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(p)!, reference.Attribute("Include")!.Value)));
            }
        }
        return seen.Select(Path.GetFileNameWithoutExtension)!;
    }

    [Test]
    public void TheAgentLinksTheProtocolAloneOfOurs()
    {
        var closure = Closure(Path.Combine(Root(), "agent", "Vigil.Agent", "Vigil.Agent.csproj")).Order(StringComparer.Ordinal).ToList();
        Assert.That(closure, Is.EqualTo(new[] { "Vigil.Agent", "Vigil.Protocol" }));
    }

    [Test]
    public void TheRelayTakesTheProjectsBesideTheProtocol()
    {
        var closure = Closure(Path.Combine(Root(), "relay", "Vigil.Relay", "Vigil.Relay.csproj")).ToList();
        Assert.That(closure, Does.Contain("Vigil.Protocol.OpenSsl").And.Contain("Vigil.Protocol.Server"));
    }
}
