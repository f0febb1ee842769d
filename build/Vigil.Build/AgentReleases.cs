using System.Security.Cryptography;
using Vigil.Protocol.Releases;

namespace Vigil.Build;

/// <summary>
/// `release-key` and `sign-release`: the release key pair (the private half stays on the machine
/// that signs, offline; the public half goes into every camera's config as release_key) and the
/// signed release file of an agent binary (<see cref="ReleaseFormat"/>), which the portal serves
/// and the agent checks before it replaces anything.
/// </summary>
internal static class AgentReleases
{
    public static int MakeKey(string[] args)
    {
        var dir = Options.Value(args, "--out") ?? throw new BuildException("release-key needs --out DIR");
        Directory.CreateDirectory(dir);
        var secret = Path.Combine(dir, "release.key");
        if (File.Exists(secret))
        {
            throw new BuildException($"{secret} exists: a new release key would orphan every camera that trusts the old one");
        }
        var privateKey = RandomNumberGenerator.GetBytes(ReleaseFormat.KeyLength);
        var publicKey = ReleaseFormat.PublicKey(privateKey);
        // Created 0600 from the start: the key is never readable by others, not even for a moment.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new FileStream(secret, options))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(ReleaseFormat.KeyText(privateKey)));
        }
        File.WriteAllText(Path.Combine(dir, "release.pub"), ReleaseFormat.KeyText(publicKey));
        Console.WriteLine($"release key: {secret} (keep it offline)\nrelease_key = {Convert.ToBase64String(publicKey)}   (agent.conf, install.sh --release-key)");
        return 0;
    }

    public static int Sign(string[] args)
    {
        var keyFile = Options.Value(args, "--key") ?? throw new BuildException("sign-release needs --key FILE (made by release-key)");
        var rid = Options.Value(args, "--rid") ?? AgentPublisher.HostRid;
        var target = CrossTarget.Find(rid);
        var binary = Options.Value(args, "--binary") ?? Path.Combine(Paths.Artifacts, "agent", rid, "vigil-agent");
        if (!File.Exists(binary))
        {
            throw new BuildException($"no binary at {binary}: ./build.sh publish-agent --rid {rid} first");
        }
        var version = Options.Value(args, "--version") ?? AgentPublisher.RunVersion(target, binary)["vigil-agent ".Length..].Trim();
        if (!ReleaseVersion.TryParse(version, out _))
        {
            throw new BuildException($"--version {version}: expected N.N.N");
        }
        byte[] privateKey;
        try
        {
            privateKey = ReleaseFormat.ParseKey(File.ReadAllText(keyFile));
        }
        catch (FormatException e)
        {
            throw new BuildException($"{keyFile} is not a release key: {e.Message}");
        }
        var bytes = File.ReadAllBytes(binary);
        var header = ReleaseFormat.Sign(privateKey, version, rid, bytes);
        var output = Options.Value(args, "--out") ?? Path.Combine(Paths.Artifacts, "releases", $"vigil-agent-{version}-{rid}.release");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        using (var file = File.Create(output + ".tmp"))
        {
            file.Write(header);
            file.Write(bytes);
        }
        File.Move(output + ".tmp", output, overwrite: true);
        Console.WriteLine($"release {version} for {rid}: {output} ({header.Length + bytes.Length:N0} bytes), signed by {Convert.ToBase64String(ReleaseFormat.PublicKey(privateKey))}");
        return 0;
    }
}
