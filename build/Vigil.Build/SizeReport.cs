using System.Globalization;
using System.Text;

namespace Vigil.Build;

/// <summary>
/// `size-report`: what takes the agent's bytes, from the compiler's own accounting (the .mstat
/// file) of a publish with the AOT profile, summed by assembly and namespace.
/// </summary>
internal static class SizeReport
{
    public static int Run(string[] args)
    {
        var rid = Options.Value(args, "--rid") ?? AgentPublisher.HostRid;
        var binary = AgentPublisher.Publish(rid, "-p:IlcGenerateMstatFile=true");
        var mstat = Directory.GetFiles(Path.Combine(Paths.Root, "agent", "Vigil.Agent", "obj", "Release"), "vigil-agent.mstat", SearchOption.AllDirectories)
            .Where(f => f.Contains($"{Path.DirectorySeparatorChar}{rid}{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault() ?? throw new BuildException($"the publish for {rid} left no vigil-agent.mstat under agent/Vigil.Agent/obj");
        var report = Format(rid, new FileInfo(binary).Length, MstatReader.Read(mstat));
        var output = Path.Combine(Paths.Artifacts, "size-report", $"vigil-agent-{rid}.md");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllText(output, report);
        Console.WriteLine(report);
        Console.WriteLine($"written to {output}");
        return 0;
    }

    internal static string Format(string rid, long fileBytes, IReadOnlyList<SizeEntry> entries)
    {
        var code = entries.Where(e => e.Kind != "blob").ToList();
        long methods = Sum(entries.Where(e => e.Kind == "method")), types = Sum(entries.Where(e => e.Kind == "type")), blobs = Sum(entries.Where(e => e.Kind == "blob"));
        var accounted = methods + types + blobs;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"vigil-agent {rid}, stripped: {Kib(fileBytes)} KiB ({fileBytes:N0} bytes)");
        text.AppendLine();
        text.AppendLine("| what | KiB |");
        text.AppendLine("|---|---:|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| managed code: methods' code, GC and EH info | {Kib(methods)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| type structures (MethodTables, vtables, interface maps) | {Kib(types)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| data blobs (metadata, frozen objects, tables) | {Kib(blobs)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| the rest: native runtime and GC, libc glue, ELF headers, relocations, unwind tables | {Kib(fileBytes - accounted)} |");
        Table(text, "By assembly (methods and types)", "assembly", code.GroupBy(e => e.Assembly), 12);
        Table(text, "By namespace (methods and types)", "namespace", code.GroupBy(e => e.Namespace), 20);
        Table(text, "Largest data blobs", "blob", entries.Where(e => e.Kind == "blob").GroupBy(e => e.Name), 8);
        Table(text, "Largest types (with their methods)", "type", code.GroupBy(e => $"{e.Namespace}.{(e.Kind == "method" ? e.Name[..e.Name.LastIndexOf('.')] : e.Name)}"), 15);
        return text.ToString();
    }

    private static void Table(StringBuilder text, string title, string column, IEnumerable<IGrouping<string, SizeEntry>> groups, int rows)
    {
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| {column} | KiB |");
        text.AppendLine("|---|---:|");
        foreach (var g in groups.Select(g => (g.Key, Bytes: Sum(g))).OrderByDescending(g => g.Bytes).Take(rows))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {g.Key} | {Kib(g.Bytes)} |");
        }
    }

    private static long Sum(IEnumerable<SizeEntry> entries) => entries.Sum(e => e.Bytes);

    private static string Kib(long bytes) => (bytes / 1024.0).ToString("N1", CultureInfo.InvariantCulture);
}
