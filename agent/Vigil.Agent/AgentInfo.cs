namespace Vigil.Agent;

/// <summary>
/// The version this agent says it runs (hello, status, --version, the check that a release is newer).
/// A binary started from a staged release (state_dir/releases/vigil-agent-VERSION, named by
/// <see cref="ReleaseStager"/> after the version its signed manifest names) is that version: the
/// portal watches a rollout by the versions agents report, and a binary signed as 0.2.0 must come
/// back as 0.2.0 whatever number was compiled into it. Any other binary is the built-in version.
/// </summary>
internal static class AgentInfo
{
    public const string BuiltIn = "0.1.0";

    private const string ReleasePrefix = "vigil-agent-";

    public static string Version { get; } = FromPath(Environment.ProcessPath) ?? BuiltIn;

    /// <summary>The version in a staged release's path, or null for any other path.</summary>
    internal static string? FromPath(string? path)
    {
        if (path is null || Path.GetFileName(Path.GetDirectoryName(path)) != "releases")
        {
            return null;
        }
        var name = Path.GetFileName(path);
        if (!name.StartsWith(ReleasePrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var version = name[ReleasePrefix.Length..];
        return Vigil.Protocol.Releases.ReleaseVersion.TryParse(version, out _) ? version : null;
    }
}
