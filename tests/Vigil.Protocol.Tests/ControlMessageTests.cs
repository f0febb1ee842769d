using System.Text;
using Vigil.Protocol.Control;

namespace Vigil.Protocol.Tests;

/// <summary>Control messages survive a round trip, and anything malformed fails as ControlFormatException only.</summary>
[TestFixture]
public sealed class ControlMessageTests
{
    private static ControlMessage RoundTrip(ControlMessage m)
    {
        var json = m.ToJson();
        Assert.That(json.Length, Is.InRange(1, Mux.MuxFrame.MaxControlLength));
        return ControlMessage.Parse(json);
    }

    [Test]
    public void HelloRoundTrips()
    {
        var back = RoundTrip(new ControlMessage
        {
            Type = ControlMessage.Hello,
            Serial = "SN-1234",
            Model = "VC-200",
            Firmware = "2.1.0",
            AgentVersion = "1.0.0",
            LocalAddress = "192.168.1.20",
            Camera = "front door \u00e9\u00e8 \"quoted\"",
            EnrollToken = "enr_abc",
            TunnelPorts = [80, 554, 65535],
        });
        Assert.That(back.Type, Is.EqualTo("hello"));
        Assert.That(back.Serial, Is.EqualTo("SN-1234"));
        Assert.That(back.Model, Is.EqualTo("VC-200"));
        Assert.That(back.Firmware, Is.EqualTo("2.1.0"));
        Assert.That(back.AgentVersion, Is.EqualTo("1.0.0"));
        Assert.That(back.LocalAddress, Is.EqualTo("192.168.1.20"));
        Assert.That(back.Camera, Is.EqualTo("front door \u00e9\u00e8 \"quoted\""));
        Assert.That(back.EnrollToken, Is.EqualTo("enr_abc"));
        Assert.That(back.TunnelPorts, Is.EqualTo(new[] { 80, 554, 65535 }));
    }

    [Test]
    public void HelloOkRoundTrips()
    {
        var back = RoundTrip(new ControlMessage
        {
            Type = ControlMessage.HelloOk,
            Node = "relay-eu-1",
            SessionId = "s-42",
            HeartbeatIntervalMs = 15000,
            HeartbeatTimeoutMs = 45000,
            State = "enrolled",
        });
        Assert.That(back.Type, Is.EqualTo("hello_ok"));
        Assert.That(back.Node, Is.EqualTo("relay-eu-1"));
        Assert.That(back.SessionId, Is.EqualTo("s-42"));
        Assert.That(back.HeartbeatIntervalMs, Is.EqualTo(15000));
        Assert.That(back.HeartbeatTimeoutMs, Is.EqualTo(45000));
        Assert.That(back.State, Is.EqualTo("enrolled"));
    }

    [Test]
    public void CommandWithArgumentsRoundTrips()
    {
        var args = """{"preset":3,"speed":[1.5,-2],"name":"a\"b","nested":{"x":null,"y":true}}"""u8.ToArray();
        var back = RoundTrip(new ControlMessage { Type = ControlMessage.Command, Id = 9_000_000_001, Name = "ptz.goto", Body = args });
        Assert.That(back.Type, Is.EqualTo("cmd"));
        Assert.That(back.Id, Is.EqualTo(9_000_000_001));
        Assert.That(back.Name, Is.EqualTo("ptz.goto"));
        Assert.That(Encoding.UTF8.GetString(back.Body!), Is.EqualTo(Encoding.UTF8.GetString(args)));
    }

    [Test]
    public void ResultRoundTrips()
    {
        var ok = RoundTrip(new ControlMessage { Type = ControlMessage.Result, Id = 7, Ok = true, Body = "[1,2,3]"u8.ToArray() });
        Assert.That(ok.Type, Is.EqualTo("result"));
        Assert.That(ok.Id, Is.EqualTo(7));
        Assert.That(ok.Ok, Is.True);
        Assert.That(ok.Body, Is.EqualTo("[1,2,3]"u8.ToArray()));
        Assert.That(ok.ToJson().AsSpan().IndexOf("\"result\":[1,2,3]"u8), Is.GreaterThan(0), "a result's value is under \"result\"");

        var failed = RoundTrip(new ControlMessage { Type = ControlMessage.Result, Id = 8, Ok = false, Error = "no such command" });
        Assert.That(failed.Ok, Is.False);
        Assert.That(failed.Error, Is.EqualTo("no such command"));
        Assert.That(failed.Body, Is.Null);
    }

    [Test]
    public void GoAwayRoundTrips()
    {
        var back = RoundTrip(new ControlMessage { Type = ControlMessage.GoAway, RetryAfterSeconds = 30, Nodes = ["relay-a:7443", "relay-b:7443"], Reason = "draining" });
        Assert.That(back.Type, Is.EqualTo("goaway"));
        Assert.That(back.RetryAfterSeconds, Is.EqualTo(30));
        Assert.That(back.Nodes, Is.EqualTo(new[] { "relay-a:7443", "relay-b:7443" }));
        Assert.That(back.Reason, Is.EqualTo("draining"));
    }

    [Test]
    public void UnknownFieldsAreIgnored()
    {
        var m = ControlMessage.Parse("""{"future":{"a":[1,{"b":2}]},"t":"hello","serial":"x","later":"y"}"""u8);
        Assert.That(m.Type, Is.EqualTo("hello"));
        Assert.That(m.Serial, Is.EqualTo("x"));
    }

    private static string DepthBomb(int depth) => """{"t":"x","a":""" + new string('[', depth) + new string(']', depth) + "}";

    public static IEnumerable<TestCaseData> Malformed()
    {
        TestCaseData C(string json, string name) => new TestCaseData(Encoding.UTF8.GetBytes(json)).SetName(name);
        yield return new TestCaseData(Array.Empty<byte>()).SetName("empty");
        yield return C("[]", "array");
        yield return C("\"hello\"", "string");
        yield return C("42", "number");
        yield return C("null", "null");
        yield return C("""{"t":"hello"} {}""", "trailing object");
        yield return C("""{"t":"hello"}x""", "trailing garbage");
        yield return C("""{"t":"hello"}""" + "\0", "trailing NUL");
        yield return C("""{"t":"hello" """, "unterminated object");
        yield return C("""{"t":"hel""", "unterminated string");
        yield return C("{}", "no type");
        yield return C("""{"t":""}""", "empty type");
        yield return C("""{"t":null}""", "null type");
        yield return C("""{"serial":"x"}""", "fields but no type");
        yield return C(DepthBomb(17), "depth 17");
        yield return C(DepthBomb(1000), "depth 1000");
        yield return C("""{"t":1}""", "type is a number");
        yield return C("""{"t":{"a":1}}""", "type is an object");
        yield return C("""{"t":"hello","id":"7"}""", "id is a string");
        yield return C("""{"t":"hello","id":1.5}""", "id is fractional");
        yield return C("""{"t":"hello","id":99999999999999999999}""", "id beyond long");
        yield return C("""{"t":"hello","heartbeat_interval_ms":4294967296}""", "interval beyond int");
        yield return C("""{"t":"hello","retry_after":1e99}""", "retry_after 1e99");
        yield return C("""{"t":"hello","tunnel_ports":[80.5]}""", "port is fractional");
        yield return C("""{"t":"hello","tunnel_ports":[99999999999]}""", "port beyond int");
        yield return C("""{"t":"hello","ok":"yes"}""", "ok is a string");
        yield return C("""{"t":"hello","serial":5}""", "serial is a number");
        yield return C("""{"t":"hello","serial":["a"]}""", "serial is an array");
        yield return C("""{"t":"hello","tunnel_ports":554}""", "ports not an array");
        yield return C("""{"t":"hello","tunnel_ports":[0]}""", "port 0");
        yield return C("""{"t":"hello","tunnel_ports":[65536]}""", "port 65536");
        yield return C("""{"t":"hello","tunnel_ports":["80"]}""", "port is a string");
        yield return C("""{"t":"hello","tunnel_ports":[""" + string.Join(',', Enumerable.Range(1, 65)) + "]}", "65 ports");
        yield return C("""{"t":"goaway","nodes":"a"}""", "nodes not an array");
        yield return C("""{"t":"goaway","nodes":[1]}""", "node is a number");
        yield return C("""{"t":"goaway","nodes":[""" + string.Join(',', Enumerable.Range(1, 65).Select(i => $"\"n{i}\"")) + "]}", "65 nodes");
        yield return C("""{"t":"cmd","args":}""", "args missing value");
        yield return C("""{"t":"cmd",}""", "trailing comma");
        yield return C("""{'t':'cmd'}""", "single quotes");
        yield return new TestCaseData(new byte[] { (byte)'{', (byte)'"', (byte)'t', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}' }).SetName("invalid UTF-8 in type");
        yield return new TestCaseData(Encoding.UTF8.GetBytes("{\"t\":\"hello\",\"serial\":\"" + new string('a', 17 * 1024) + "\"")).SetName("17 kB unterminated");
        yield return new TestCaseData(Encoding.UTF8.GetBytes("{\"t\":\"hello\",\"serial\":\"" + new string('a', 17 * 1024) + "\"}")).SetName("17 kB well formed");
    }

    [TestCaseSource(nameof(Malformed))]
    public void MalformedInputThrowsControlFormatExceptionOnly(byte[] json)
    {
        var thrown = Assert.Catch(() => ControlMessage.Parse(json));
        Assert.That(thrown, Is.TypeOf<ControlFormatException>(), thrown?.ToString());
    }

    [Test]
    public void DepthSixteenIsAllowed()
    {
        // The object itself is level 1: 15 nested arrays inside it make 16.
        Assert.That(ControlMessage.Parse(Encoding.UTF8.GetBytes(DepthBomb(15))).Type, Is.EqualTo("x"));
    }

    [Test]
    public void LargestAllowedMessageParses()
    {
        var prefix = "{\"t\":\"hello\",\"serial\":\""u8.Length;
        var json = "{\"t\":\"hello\",\"serial\":\"" + new string('a', Mux.MuxFrame.MaxControlLength - prefix - 2) + "\"}";
        Assert.That(Encoding.UTF8.GetByteCount(json), Is.EqualTo(Mux.MuxFrame.MaxControlLength));
        Assert.That(ControlMessage.Parse(Encoding.UTF8.GetBytes(json)).Serial!.Length, Is.EqualTo(Mux.MuxFrame.MaxControlLength - prefix - 2));
    }
}
