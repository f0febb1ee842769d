using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Vigil.Protocol.Control;
using Vigil.Protocol.Link;
using Vigil.Relay.Agents;

namespace Vigil.Relay.Updates;

/// <summary>
/// Pushes a stored release to an agent through its own session, as the agent's update_begin,
/// update_chunk and update_apply commands (docs/protocol.md): no new port, no new destination for
/// the camera. One chunk in flight per agent, read from the file as it goes, so a node pushing to
/// a thousand agents holds a thousand chunks. The agent says how much it already has, so a push
/// after a cut (this node's or another's) goes on where the last stopped.
/// </summary>
public sealed class UpdatePusher(RelayNode node, ReleaseStore store)
{
    /// <summary>Bytes of the release per update_chunk: base64 of it fits a control message with room to spare.</summary>
    public const int ChunkBytes = 9 * 1024;

    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, UpdateProgress> _progress = new(StringComparer.Ordinal);

    public UpdateProgress? Progress(string deviceId) => _progress.GetValueOrDefault(deviceId);

    public IReadOnlyList<UpdateProgress> All => [.. _progress.Values];

    /// <summary>Starts a push unless one to this device is running; false when one is.</summary>
    public bool TryStart(RelaySession session, StoredRelease release, bool force)
    {
        var started = new UpdateProgress(session.DeviceId, release.Name, release.Version, "sending", release.Size, 0, 0, null, DateTimeOffset.UtcNow, null);
        var running = false;
        _progress.AddOrUpdate(session.DeviceId, started, (_, old) =>
        {
            running = old.State == "sending";
            return running ? old : started;
        });
        if (running)
        {
            return false;
        }
        _ = Task.Run(() => PushAsync(session, release, force));
        return true;
    }

    private async Task PushAsync(RelaySession session, StoredRelease release, bool force)
    {
        var device = session.DeviceId;
        var timeout = TimeSpan.FromSeconds(node.Options.CommandTimeoutSeconds);
        try
        {
            var have = Have(await Command(session, "update_begin", w =>
            {
                w.WriteNumber("size"u8, release.Size);
                w.WriteBoolean("force"u8, force);
            }, release, timeout).ConfigureAwait(false));
            Set(device, p => p with { Sent = have, ResumedFrom = have });
            var buffer = new byte[ChunkBytes];
            using (SafeFileHandle file = File.OpenHandle(store.PathOf(release.Name)))
            {
                while (have < release.Size)
                {
                    var n = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(ChunkBytes, release.Size - have)), have);
                    if (n <= 0)
                    {
                        throw new IOException($"{release.Name} ended at byte {have}");
                    }
                    var offset = have;
                    have = Have(await Command(session, "update_chunk", w =>
                    {
                        w.WriteNumber("size"u8, release.Size);
                        w.WriteNumber("offset"u8, offset);
                        w.WriteBase64String("data"u8, buffer.AsSpan(0, n));
                    }, release, timeout).ConfigureAwait(false));
                    var sent = have;
                    Set(device, p => p with { Sent = sent });
                }
            }
            await Command(session, "update_apply", w =>
            {
                w.WriteNumber("size"u8, release.Size);
                w.WriteBoolean("force"u8, force);
            }, release, ApplyTimeout).ConfigureAwait(false);
            Set(device, p => p with { State = "applied", EndedAt = DateTimeOffset.UtcNow });
        }
        catch (Exception e) when (e is AgentRefusedException or TimeoutException or LinkClosedException or IOException or ObjectDisposedException)
        {
            var message = e is TimeoutException ? "the agent did not answer in time" : e is LinkClosedException or ObjectDisposedException ? "the agent's link closed" : e.Message;
            Set(device, p => p with { State = e is AgentRefusedException ? "refused" : "interrupted", Error = message, EndedAt = DateTimeOffset.UtcNow });
        }
    }

    private void Set(string device, Func<UpdateProgress, UpdateProgress> change) => _progress.AddOrUpdate(device, _ => throw new InvalidOperationException("no progress"), (_, p) => change(p));

    private static async Task<ControlMessage> Command(RelaySession session, string name, Action<Utf8JsonWriter> args, StoredRelease release, TimeSpan timeout)
    {
        var buffer = new ArrayBufferWriter<byte>(ChunkBytes * 2);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("version"u8, release.Version);
            args(w);
            w.WriteEndObject();
        }
        var (result, _) = await session.SendCommandAsync(name, buffer.WrittenSpan.ToArray(), timeout, CancellationToken.None).ConfigureAwait(false);
        return result.Ok ? result : throw new AgentRefusedException(result.Error ?? $"{name} refused");
    }

    private static long Have(ControlMessage result)
    {
        using var doc = JsonDocument.Parse(result.Body ?? "{}"u8.ToArray());
        return doc.RootElement.TryGetProperty("have", out var have) && have.TryGetInt64(out var n) ? n
            : throw new AgentRefusedException($"the agent's answer names no byte count: {doc.RootElement.GetRawText()}");
    }

    private sealed class AgentRefusedException(string message) : Exception(message);
}
