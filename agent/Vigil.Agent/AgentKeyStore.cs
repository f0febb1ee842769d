using System.Text;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.Agent;

/// <summary>
/// The agent's identity: an X25519 static key in the state directory, made once on first start
/// and reused for ever after. Beside it, agent.id records the device id, so that a key file that
/// goes missing later is an error, not a silent new identity that the portal would not know.
/// </summary>
internal static class AgentKeyStore
{
    public const string KeyFileName = "agent.key";
    public const string IdFileName = "agent.id";
    private const string Header = "vigil-agent-key 1";

    /// <summary>Loads the key; creates it only when the state directory has never held one.</summary>
    public static KeyPair LoadOrCreate(string stateDir, out bool created)
    {
        created = false;
        var keyPath = Path.Combine(stateDir, KeyFileName);
        var idPath = Path.Combine(stateDir, IdFileName);
        if (File.Exists(keyPath))
        {
            return Load(keyPath, idPath);
        }
        if (File.Exists(idPath))
        {
            var previous = SafeRead(idPath).Trim();
            throw new IdentityException(
                $"{keyPath} is missing, but this device had the identity {previous}. Refusing to make a new identity: " +
                $"restore the key file, or delete {idPath} to re-enroll this device as a new one.");
        }
        if (!Directory.Exists(stateDir))
        {
            try
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(stateDir);
                }
                else
                {
                    Directory.CreateDirectory(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IdentityException($"cannot create the state directory {stateDir}: {e.Message}");
            }
        }
        var key = KeyPair.Generate();
        var text = $"{Header}\nprivate {Convert.ToBase64String(key.PrivateKey)}\npublic {Convert.ToBase64String(key.PublicKey)}\n";
        var id = DeviceIdentity.DeviceId(key.PublicKey);
        try
        {
            AtomicFile.Write(keyPath, Encoding.ASCII.GetBytes(text));
            AtomicFile.Write(idPath, Encoding.ASCII.GetBytes(id + "\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"cannot write the key to {stateDir}: {e.Message}");
        }
        created = true;
        return key;
    }

    private static KeyPair Load(string keyPath, string idPath)
    {
        var text = SafeRead(keyPath);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        byte[]? priv = null, pub = null;
        if (lines.Length >= 3 && lines[0] == Header)
        {
            for (var i = 1; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.StartsWith("private ", StringComparison.Ordinal))
                {
                    DeviceIdentity.TryParseKey(line[8..], out priv);
                }
                else if (line.StartsWith("public ", StringComparison.Ordinal))
                {
                    DeviceIdentity.TryParseKey(line[7..], out pub);
                }
            }
        }
        if (priv is not { Length: 32 } || pub is not { Length: 32 })
        {
            throw new IdentityException($"{keyPath} is corrupt (not a vigil-agent key file). Refusing to make a new identity.");
        }
        var key = KeyPair.FromPrivate(priv);
        if (!key.PublicKey.AsSpan().SequenceEqual(pub))
        {
            throw new IdentityException($"{keyPath} is corrupt (its public key does not match its private key). Refusing to make a new identity.");
        }
        var id = DeviceIdentity.DeviceId(key.PublicKey);
        if (File.Exists(idPath) && SafeRead(idPath).Trim() is var recorded && recorded.Length > 0 && recorded != id)
        {
            throw new IdentityException($"{keyPath} holds the identity {id}, but {idPath} says {recorded}: the key was replaced. Refusing to go on.");
        }
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(keyPath) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
        {
            Log.Warn($"{keyPath} is readable by other users; it should be mode 0600");
        }
        return key;
    }

    private static string SafeRead(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length > 4096)
            {
                throw new IdentityException($"{path} is corrupt (too large)");
            }
            return TextFile.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"cannot read {path}: {e.Message}");
        }
    }
}

internal sealed class IdentityException(string message) : Exception(message);
