using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Vigil.Agent;

/// <summary>
/// What the agent is doing, kept in the state directory as "status" so that `vigil-agent status`
/// (and an installer on the camera's shell) can read it without any port being open.
/// </summary>
internal sealed class AgentStatus(string stateDir, string deviceId)
{
    public const string FileName = "status";
    private readonly object _gate = new();

    public string DeviceId { get; } = deviceId;
    public string State { get; private set; } = "starting";
    public string? Relay { get; private set; }
    public string? Node { get; private set; }
    public DateTime Since { get; private set; } = DateTime.UtcNow;
    public string? LastError { get; private set; }
    public int Reconnects { get; private set; }

    private string? _mediaText;
    private byte[]? _mediaJson;

    public void Set(string state, string? relay = null, string? node = null, string? error = null)
    {
        lock (_gate)
        {
            if (state == "connecting" && State == "connected")
            {
                Reconnects++;
            }
            State = state;
            Relay = relay ?? Relay;
            Node = state == "connected" ? node : null;
            LastError = error ?? LastError;
            Since = DateTime.UtcNow;
            WriteFile();
        }
    }

    /// <summary>The media path's stats ("media_..." lines, and an object in the JSON); null when nothing streams.</summary>
    public void SetMedia(string? text, byte[]? json)
    {
        lock (_gate)
        {
            _mediaText = text;
            _mediaJson = json;
            WriteFile();
        }
    }

    private void WriteFile()
    {
        try
        {
            // Rewritten with every stats report while streaming: whole for its readers, not synced to flash.
            AtomicFile.Write(Path.Combine(stateDir, FileName), Encoding.UTF8.GetBytes(ToText()), durable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Warn($"cannot write the status file: {e.Message}");
        }
    }

    private string ToText() =>
        $"device_id={DeviceId}\nstate={State}\nrelay={Relay}\nnode={Node}\nsince={IsoTime.Format(Since, milliseconds: false)}\nreconnects={Reconnects}\nlast_error={LastError}\n{_mediaText}";

    public string ToJson()
    {
        lock (_gate)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("device_id", DeviceId);
                w.WriteString("state", State);
                w.WriteString("relay", Relay);
                w.WriteString("since", IsoTime.Format(Since, milliseconds: false));
                w.WriteNumber("reconnects", Reconnects);
                w.WriteString("agent_version", AgentInfo.Version);
                if (_mediaJson is not null)
                {
                    w.WritePropertyName("media");
                    w.WriteRawValue(_mediaJson, skipInputValidation: true);
                }
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    /// <summary>Prints the status file of a state directory (the `status` command).</summary>
    public static int Print(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        try
        {
            StdIo.Out(File.ReadAllBytes(path));
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StdIo.ErrLine($"vigil-agent: no status at {path} ({e.Message}); is the agent running?");
            return 1;
        }
    }
}
