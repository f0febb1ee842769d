using System.Text;
using System.Text.Json;
using Vigil.Protocol.Control;
using Vigil.Protocol.Server;

namespace Vigil.Protocol.Tests;

/// <summary>
/// The assign command as the portal writes it (through the relay-portal JSON context) and as the
/// agent reads it (hand-written, no serializer): one declaration, the same bytes.
/// </summary>
[TestFixture]
public sealed class AssignCommandTests
{
    private static readonly AssignCommand Sample = new("cam-1", "rtsp://127.0.0.1:554/ch1", "rtmp://streamer:1935/live/cam-1", "pt_abc+/=");

    [Test]
    public void TheWireFormIsTheOneTheAgentHasAlwaysRead()
    {
        Assert.That(Encoding.UTF8.GetString(Sample.ToJson()),
            Is.EqualTo("{\"name\":\"cam-1\",\"source\":\"rtsp://127.0.0.1:554/ch1\",\"target\":\"rtmp://streamer:1935/live/cam-1\",\"token\":\"pt_abc\\u002B/=\"}"));
        Assert.That(Encoding.UTF8.GetString(new AssignCommand("c", null, "t", "k").ToJson()), Is.EqualTo("{\"name\":\"c\",\"source\":null,\"target\":\"t\",\"token\":\"k\"}"),
            "an unset source is written as null: the agent then pulls the camera of its own config");
    }

    [Test]
    public void WhatThePortalWritesTheAgentReadsBack()
    {
        var answer = JsonSerializer.SerializeToUtf8Bytes(new NodeHelloAnswer("dev", "approved", Sample), NodeJsonContext.Default.NodeHelloAnswer);
        using var doc = JsonDocument.Parse(answer);
        var args = Encoding.UTF8.GetBytes(doc.RootElement.GetProperty("assignment").GetRawText());
        Assert.That(args, Is.EqualTo(Sample.ToJson()), "the portal's serializer writes the command through its own writer");

        var back = AssignCommand.Parse(args, out var error);
        Assert.That(error, Is.Empty);
        Assert.That((back!.Name, back.Source, back.Target, back.Token), Is.EqualTo((Sample.Name, Sample.Source, Sample.Target, Sample.Token)));

        var relayRead = JsonSerializer.Deserialize(answer, NodeJsonContext.Default.NodeHelloAnswer)!;
        Assert.That(relayRead.Assignment!.ToJson(), Is.EqualTo(Sample.ToJson()), "the relay forwards what the portal wrote");
    }

    [Test]
    public void UnknownFieldsAndNonStringsAreSkipped()
    {
        var json = "{\"extra\":{\"deep\":[1,{\"name\":\"not this\"}]},\"name\":\"cam\",\"source\":{\"name\":\"nor this\"},\"target\":\"rtmp://t/x\",\"token\":7}"u8;
        var c = AssignCommand.Parse(json, out var error)!;
        Assert.That(error, Is.Empty);
        Assert.That((c.Name, c.Source, c.Target, c.Token), Is.EqualTo(("cam", (string?)null, "rtmp://t/x", (string?)null)));

        // Inside the serializer the reader must stop at the object's end, or the rest of the answer is lost.
        var answer = JsonSerializer.Deserialize("{\"device_id\":\"d\",\"state\":\"approved\",\"assignment\":{\"x\":{\"name\":\"y\"},\"name\":\"cam\"},\"later\":1}"u8,
            NodeJsonContext.Default.NodeHelloAnswer)!;
        Assert.That((answer.DeviceId, answer.State, answer.Assignment!.Name), Is.EqualTo(("d", "approved", "cam")));
    }

    [TestCase("", TestName = "Empty args are refused")]
    [TestCase("null", TestName = "Null args are refused")]
    [TestCase("[1]", TestName = "An array is refused")]
    [TestCase("\"cam\"", TestName = "A string is refused")]
    [TestCase("{\"name\":", TestName = "A truncated object is refused")]
    [TestCase("{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", TestName = "Nesting past the cap is refused")]
    public void AnythingButAnObjectIsRefusedWithAnError(string json)
    {
        Assert.That(AssignCommand.Parse(Encoding.UTF8.GetBytes(json), out var error), Is.Null);
        Assert.That(error, Does.StartWith("assign"));
    }
}
