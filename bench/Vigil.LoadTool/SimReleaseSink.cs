using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Protocol.Control;

namespace Vigil.LoadTool;

/// <summary>
/// A simulated agent's side of a release push (update_begin, update_chunk, update_apply, as the
/// real agent answers them): it counts the bytes and keeps none, so that a thousand of them in one
/// load tool measure the relay's side of a rollout, not the generator's memory. It checks no
/// signature; the real agent's checks are tested with the real agent.
/// </summary>
public sealed class SimReleaseSink
{
    private long _have;

    /// <summary>Whether update_apply came after every byte arrived.</summary>
    public bool Applied { get; private set; }

    /// <summary>The answer's body to an update command, or null for any other command.</summary>
    public byte[]? Answer(ControlMessage command)
    {
        switch (command.Name)
        {
            case "update_begin":
                _have = 0;
                Applied = false;
                return Have();
            case "update_chunk":
                using (var args = JsonDocument.Parse(command.Body ?? "{}"u8.ToArray()))
                {
                    var offset = args.RootElement.GetProperty("offset").GetInt64();
                    if (offset == _have)
                    {
                        _have += args.RootElement.GetProperty("data").GetBytesFromBase64().Length;
                    }
                }
                return Have();
            case "update_apply":
                Applied = true;
                return "{\"applied\":true}"u8.ToArray();
            default:
                return null;
        }
    }

    private byte[] Have() => Encoding.UTF8.GetBytes($"{{\"have\":{_have.ToString(CultureInfo.InvariantCulture)}}}");
}
