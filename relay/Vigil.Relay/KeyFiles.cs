using System.Security.Cryptography;
using System.Text;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.Relay;

/// <summary>The relay's secrets on disk: its static key and its API token, each 0600, written atomically.</summary>
public static class KeyFiles
{
    private const string Header = "vigil-relay-key 1";

    public static KeyPair LoadOrCreateStaticKey(string path, out bool created)
    {
        created = false;
        if (File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length >= 2 && lines[0] == Header && lines[1].StartsWith("private ", StringComparison.Ordinal)
                && DeviceIdentity.TryParseKey(lines[1][8..], out var priv))
            {
                return KeyPair.FromPrivate(priv);
            }
            throw new InvalidOperationException($"{path} is not a vigil-relay key file");
        }
        var key = KeyPair.Generate();
        WriteSecret(path, $"{Header}\nprivate {Convert.ToBase64String(key.PrivateKey)}\npublic {Convert.ToBase64String(key.PublicKey)}\n");
        created = true;
        return key;
    }

    public static string LoadOrCreateToken(string path, out bool created)
    {
        created = false;
        if (File.Exists(path))
        {
            var token = File.ReadAllText(path).Trim();
            if (token.Length < 16)
            {
                throw new InvalidOperationException($"{path} holds a token shorter than 16 characters");
            }
            return token;
        }
        var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        WriteSecret(path, fresh + "\n");
        created = true;
        return fresh;
    }

    public static void WriteSecret(string path, string content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var fs = new FileStream(temp, OwnerOnly()))
        {
            fs.Write(Encoding.ASCII.GetBytes(content));
            fs.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A new file readable and writable by its owner alone (0600), from its first byte.</summary>
    private static FileStreamOptions OwnerOnly()
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return options;
    }
}
