using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Vigil.Protocol.Link;
using Vigil.Protocol.Noise;

namespace Vigil.Relay.Agents;

/// <summary>
/// The agent listener, as a Kestrel connection handler: preamble, Noise IK handshake and hello under
/// one deadline, then frames until the link ends. Whatever one connection sends, only that
/// connection is closed, with its reason counted in the metrics.
/// </summary>
public sealed class AgentConnectionHandler(RelayNode node) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        node.Metrics.ConnectionAccepted();
        var input = connection.Transport.Input;
        var address = (connection.RemoteEndPoint as System.Net.IPEndPoint)?.Address;
        if (node.Handshakes.TryEnter(address) is { } full)
        {
            RelayLog.HandshakeLimit(node.Logger, connection.RemoteEndPoint?.ToString(), full, node.Handshakes.Pending);
            Refuse(connection, null, full);
            return;
        }
        RelaySession? session = null;
        try
        {
            try
            {
                using var deadline = new CancellationTokenSource(node.Options.HandshakeTimeout);
                session = await HandshakeAsync(connection, deadline.Token).ConfigureAwait(false);
                await ReadFramesAsync(session, input, until: s => s.Hello is not null, deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                node.Handshakes.Leave(address);
            }
            if (session.Hello is null)
            {
                throw new HandshakeRefusedException("closed_before_hello");
            }
            node.Metrics.HandshakeCompleted();
            node.Registry.Register(session);
            RelayLog.SessionOpened(node.Logger, session.DeviceId, session.RemoteAddress, session.Hello.Serial, session.Hello.AgentVersion);
            if (node.Drain is not null)
            {
                _ = node.SendAwayAsync(session, TimeSpan.Zero);
            }
            await ReadFramesAsync(session, input, until: null, CancellationToken.None).ConfigureAwait(false);
            session.Close("agent_closed");
        }
        catch (HandshakeRefusedException e)
        {
            Refuse(connection, session, e.Reason);
        }
        catch (OperationCanceledException)
        {
            Refuse(connection, session, "handshake_timeout");
        }
        catch (LinkProtocolException e)
        {
            if (session?.Hello is null)
            {
                Refuse(connection, session, e.Reason);
            }
            else
            {
                session.Close(e.Reason);
            }
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException or LinkClosedException)
        {
            if (session?.Hello is null)
            {
                Refuse(connection, session, "connection_lost");
            }
            else
            {
                session.Close(session.CloseReason ?? "connection_lost");
            }
        }
        finally
        {
            session?.ReleaseReader();
        }
    }

    private void Refuse(ConnectionContext connection, RelaySession? session, string reason)
    {
        node.Metrics.HandshakeFailed(reason);
        RelayLog.HandshakeFailed(node.Logger, connection.RemoteEndPoint?.ToString(), reason);
        if (session is not null)
        {
            session.Close(reason);
        }
        else
        {
            connection.Abort(new ConnectionAbortedException(reason));
        }
    }

    private async Task<RelaySession> HandshakeAsync(ConnectionContext connection, CancellationToken ct)
    {
        var input = connection.Transport.Input;
        var preamble = new byte[LinkPreamble.Length];
        var message = await ReadHandshakeAsync(input, preamble, ct).ConfigureAwait(false);
        var handshake = LinkHandshake.CreateResponder(node.StaticKey, preamble, node.Aead, node.Dh);
        var buffer = new byte[HandshakeFrame.MaxFrameLength];
        try
        {
            handshake.ReadMessage(message, buffer);
            var length = HandshakeFrame.WriteMessage(handshake, buffer);
            await connection.Transport.Output.WriteAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
        }
        catch (NoiseException)
        {
            throw new HandshakeRefusedException("handshake_failed");
        }
        var (send, receive) = handshake.Split();
        return new RelaySession(connection, send, receive, node, handshake.RemoteStaticPublicKey);
    }

    /// <summary>Reads the preamble and the first handshake frame; garbage and oversize lengths are refused before anything more is awaited.</summary>
    private static async Task<byte[]> ReadHandshakeAsync(PipeReader input, byte[] preamble, CancellationToken ct)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HandshakeFrame.TryReadInitiation(ref buffer, preamble, out var message))
            {
                var bytes = message.ToArray();
                input.AdvanceTo(buffer.Start);
                return bytes;
            }
            if (result.IsCompleted)
            {
                throw HandshakeFrame.Truncated(buffer.Length);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads frames into the session until the peer ends, or <paramref name="until"/> holds.</summary>
    private async Task ReadFramesAsync(RelaySession session, PipeReader input, Func<RelaySession, bool>? until, CancellationToken ct)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            var stopped = false;
            try
            {
                while (LinkFrameReader.TryRead(ref buffer, out var frame))
                {
                    node.Metrics.Received(LinkFraming.HeaderLength + frame.Length);
                    await ProcessAsync(session, frame).ConfigureAwait(false);
                    // Closed by what the frame caused (a full send queue): what else is buffered is not read.
                    if (session.IsClosed || until?.Invoke(session) == true)
                    {
                        stopped = true;
                        return;
                    }
                }
            }
            finally
            {
                // Stopped early, the rest is not examined: frames that came in the same read as the
                // hello must be handed to the next read at once, not wait for more bytes to arrive.
                input.AdvanceTo(buffer.Start, stopped ? buffer.Start : buffer.End);
            }
            if (result.IsCompleted || session.IsClosed)
            {
                if (buffer.Length > 0)
                {
                    throw new LinkProtocolException("truncated_frame");
                }
                return;
            }
        }
    }

    private static async ValueTask ProcessAsync(RelaySession session, ReadOnlySequence<byte> frame)
    {
        if (frame.IsSingleSegment)
        {
            await session.ProcessFrameAsync(frame.First).ConfigureAwait(false);
            return;
        }
        var copy = ArrayPool<byte>.Shared.Rent((int)frame.Length);
        try
        {
            frame.CopyTo(copy);
            await session.ProcessFrameAsync(copy.AsMemory(0, (int)frame.Length)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }
}

internal sealed class HandshakeRefusedException(string reason) : Exception(reason)
{
    public string Reason { get; } = reason;
}
