using System.Text.Json;
using Vigil.Protocol.Noise;

namespace Vigil.Protocol.Tests;

/// <summary>
/// Reproduces the cacophony vectors for every Noise_*_25519_ChaChaPoly_BLAKE2s protocol byte for
/// byte: every handshake and transport ciphertext and the handshake hash.
/// </summary>
[TestFixture]
public sealed class NoiseVectorTests
{
    private const string Suffix = "_25519_ChaChaPoly_BLAKE2s";

    public static IEnumerable<TestCaseData> Vectors()
    {
        foreach (NoiseVector vector in LoadVectors())
        {
            yield return new TestCaseData(vector).SetName(vector.ProtocolName);
        }
    }

    [Test]
    public void SelectionCoversTheRequiredPatternsAndSkipsNothing()
    {
        List<NoiseVector> vectors = LoadVectors();
        string[] names = [.. vectors.Select(v => v.ProtocolName)];
        Assert.That(names, Does.Contain("Noise_IK" + Suffix));
        Assert.That(names, Does.Contain("Noise_XX" + Suffix));
        Assert.That(names, Does.Contain("Noise_NK" + Suffix));

        // Every BLAKE2s vector in the file must be runnable: an unsupported pattern is a failure,
        // not a silently skipped case.
        foreach (NoiseVector vector in vectors)
        {
            Assert.That(HandshakePattern.TryParse(vector.PatternName, out _), Is.True, vector.ProtocolName);
        }
    }

    [TestCaseSource(nameof(Vectors))]
    public void ReproducesVector(NoiseVector vector)
    {
        HandshakePattern pattern = HandshakePattern.Parse(vector.PatternName);
        using KeyPair? initStatic = KeyOrNull(vector.InitStatic);
        using KeyPair? initEphemeral = KeyOrNull(vector.InitEphemeral);
        using KeyPair? respStatic = KeyOrNull(vector.RespStatic);
        using KeyPair? respEphemeral = KeyOrNull(vector.RespEphemeral);

        using var initiator = new HandshakeState(
            pattern, true, vector.InitPrologue, initStatic, initEphemeral, vector.InitRemoteStatic,
            ManagedChaChaPolyFactory.Instance, vector.InitPsks);
        using var responder = new HandshakeState(
            pattern, false, vector.RespPrologue, respStatic, respEphemeral, vector.RespRemoteStatic,
            ManagedChaChaPolyFactory.Instance, vector.RespPsks);

        Assert.That(initiator.ProtocolName, Is.EqualTo(vector.ProtocolName));

        byte[] buffer = new byte[65535];
        byte[] received = new byte[65535];
        int index = 0;
        for (; index < pattern.Messages.Count; index++)
        {
            (byte[] payload, byte[] expected) = vector.Messages[index];
            bool initiatorWrites = index % 2 == 0;
            HandshakeState writer = initiatorWrites ? initiator : responder;
            HandshakeState reader = initiatorWrites ? responder : initiator;
            Assert.That(writer.IsMyTurnToWrite, Is.True, $"message {index}");
            Assert.That(reader.IsMyTurnToWrite, Is.False, $"message {index}");

            int written = writer.WriteMessage(payload, buffer);
            Assert.That(buffer[..written], Is.EqualTo(expected), $"handshake message {index}");
            int read = reader.ReadMessage(buffer.AsSpan(0, written), received);
            Assert.That(received[..read], Is.EqualTo(payload), $"handshake payload {index}");
        }

        Assert.That(initiator.IsHandshakeComplete, Is.True);
        Assert.That(responder.IsHandshakeComplete, Is.True);
        Assert.That(initiator.HandshakeHash, Is.EqualTo(vector.HandshakeHash));
        Assert.That(responder.HandshakeHash, Is.EqualTo(vector.HandshakeHash));
        Assert.That(initiator.RemoteStaticPublicKey.ToArray(), Is.EqualTo(respStatic?.PublicKey ?? []));
        Assert.That(responder.RemoteStaticPublicKey.ToArray(), Is.EqualTo(initStatic?.PublicKey ?? []));

        (CipherState initSend, CipherState initReceive) = initiator.Split();
        (CipherState respSend, CipherState respReceive) = responder.Split();
        using (initSend)
        using (initReceive)
        using (respSend)
        using (respReceive)
        {
            // Cacophony keeps alternating senders after the handshake; one-way patterns only ever
            // send from the initiator.
            for (; index < vector.Messages.Count; index++)
            {
                (byte[] payload, byte[] expected) = vector.Messages[index];
                bool initiatorSends = pattern.IsOneWay || index % 2 == 0;
                CipherState sender = initiatorSends ? initSend : respSend;
                CipherState receiver = initiatorSends ? respReceive : initReceive;

                int written = sender.EncryptWithAd([], payload, buffer);
                Assert.That(buffer[..written], Is.EqualTo(expected), $"transport message {index}");
                int read = receiver.DecryptWithAd([], buffer.AsSpan(0, written), received);
                Assert.That(received[..read], Is.EqualTo(payload), $"transport payload {index}");
            }
        }
    }

    private static KeyPair? KeyOrNull(byte[]? privateKey) => privateKey is null ? null : KeyPair.FromPrivate(privateKey);

    private static List<NoiseVector> LoadVectors()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "noise-cacophony.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        var vectors = new List<NoiseVector>();
        foreach (JsonElement element in document.RootElement.GetProperty("vectors").EnumerateArray())
        {
            string name = element.GetProperty("protocol_name").GetString()!;
            if (!name.StartsWith("Noise_", StringComparison.Ordinal) || !name.EndsWith(Suffix, StringComparison.Ordinal))
            {
                continue;
            }

            vectors.Add(new NoiseVector(
                name,
                name["Noise_".Length..^Suffix.Length],
                Hex(element, "init_prologue") ?? [],
                Hex(element, "init_static"),
                Hex(element, "init_ephemeral"),
                Hex(element, "init_remote_static") ?? [],
                Psks(element, "init_psks"),
                Hex(element, "resp_prologue") ?? [],
                Hex(element, "resp_static"),
                Hex(element, "resp_ephemeral"),
                Hex(element, "resp_remote_static") ?? [],
                Psks(element, "resp_psks"),
                Hex(element, "handshake_hash")!,
                [.. element.GetProperty("messages").EnumerateArray().Select(m =>
                    (Convert.FromHexString(m.GetProperty("payload").GetString()!),
                     Convert.FromHexString(m.GetProperty("ciphertext").GetString()!)))]));
        }

        return vectors;
    }

    private static byte[]? Hex(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) ? Convert.FromHexString(value.GetString()!) : null;

    private static byte[][]? Psks(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value)
            ? [.. value.EnumerateArray().Select(p => Convert.FromHexString(p.GetString()!))]
            : null;

    public sealed record NoiseVector(
        string ProtocolName,
        string PatternName,
        byte[] InitPrologue,
        byte[]? InitStatic,
        byte[]? InitEphemeral,
        byte[] InitRemoteStatic,
        byte[][]? InitPsks,
        byte[] RespPrologue,
        byte[]? RespStatic,
        byte[]? RespEphemeral,
        byte[] RespRemoteStatic,
        byte[][]? RespPsks,
        byte[] HandshakeHash,
        IReadOnlyList<(byte[] Payload, byte[] Ciphertext)> Messages)
    {
        public override string ToString() => ProtocolName;
    }
}
