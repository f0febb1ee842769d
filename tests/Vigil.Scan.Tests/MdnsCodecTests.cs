using System.Net;
using Vigil.Onvif.Discovery.Mdns;

namespace Vigil.Scan.Tests;

/// <summary>The DNS message codec and DNS-SD reading, on bytes laid out by hand after RFC 1035 and RFC 6763.</summary>
[TestFixture]
public sealed class MdnsCodecTests
{
    /// <summary>
    /// An answer as an Axis camera gives it: PTR, then SRV, TXT and A, with the service type and
    /// the host compressed by pointers back into earlier names.
    /// </summary>
    private static byte[] CompressedAnswer()
    {
        var b = new List<byte> { 0x12, 0x34, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 3 };
        void Label(string s)
        {
            b.Add((byte)s.Length);
            b.AddRange(System.Text.Encoding.UTF8.GetBytes(s));
        }
        void U16(int v)
        {
            b.Add((byte)(v >> 8));
            b.Add((byte)v);
        }
        // 12: _axis-video._tcp.local
        Label("_axis-video");
        Label("_tcp");
        Label("local");
        b.Add(0);
        U16(12); U16(1); U16(0); U16(4500);
        var ptrData = b.Count;
        U16(0);
        var instance = b.Count;
        Label("AXIS M3045-V - ACCC8E0A1B2C");
        b.AddRange([0xC0, 12]);
        b[ptrData] = 0;
        b[ptrData + 1] = (byte)(b.Count - ptrData - 2);
        // SRV of the instance (pointer to it), port 80, target axis-accc8e0a1b2c.local (pointer to "local")
        b.AddRange([0xC0, (byte)instance]);
        U16(33); U16(0x8001); U16(0); U16(120);
        var srvLen = b.Count;
        U16(0);
        U16(0); U16(0); U16(80);
        var host = b.Count;
        Label("axis-accc8e0a1b2c");
        b.AddRange([0xC0, 12 + 12 + 5]);
        b[srvLen + 1] = (byte)(b.Count - srvLen - 2);
        // TXT
        b.AddRange([0xC0, (byte)instance]);
        U16(16); U16(0x8001); U16(0); U16(4500);
        var txt = new[] { "macaddress=ACCC8E0A1B2C", "path=/", "flag" };
        U16(txt.Sum(t => t.Length + 1));
        foreach (var t in txt)
        {
            Label(t);
        }
        // A
        b.AddRange([0xC0, (byte)host]);
        U16(1); U16(0x8001); U16(0); U16(120); U16(4);
        b.AddRange([10, 77, 1, 20]);
        return [.. b];
    }

    [Test]
    public void ACompressedAnswerDecodesToOneInstance()
    {
        var m = DnsMessageReader.Read(CompressedAnswer());
        Assert.That(m.Id, Is.EqualTo(0x1234));
        Assert.That(m.IsResponse, Is.True);
        var ptr = m.Answers.Single();
        Assert.That((ptr.Type, ptr.Name, ptr.Target), Is.EqualTo((DnsType.Ptr, "_axis-video._tcp.local", "AXIS M3045-V - ACCC8E0A1B2C._axis-video._tcp.local")));
        var instance = DnsSdInstance.FromResponse(m, ["_axis-video._tcp.local"]).Single();
        Assert.That(instance.DisplayName, Is.EqualTo("AXIS M3045-V - ACCC8E0A1B2C"));
        Assert.That((instance.Host, instance.Port), Is.EqualTo(("axis-accc8e0a1b2c.local", (ushort)80)));
        Assert.That(instance.Txt["macaddress"], Is.EqualTo("ACCC8E0A1B2C"));
        Assert.That(instance.Txt["flag"], Is.EqualTo(""));
        Assert.That(instance.Addresses, Is.EqualTo(new[] { IPAddress.Parse("10.77.1.20") }));
        Assert.That(m.Additionals.All(r => r.CacheFlush), Is.True);
    }

    [Test]
    public void WhatTheWriterWritesTheReaderReads()
    {
        var message = new DnsMessage(7, true, [new DnsQuestion("_rtsp._tcp.local", DnsType.Ptr, UnicastResponse: true)],
            [new DnsRecord("_rtsp._tcp.local", DnsType.Ptr, 4500) { Target = "Gate\\.cam._rtsp._tcp.local" }],
            [
                new DnsRecord("Gate\\.cam._rtsp._tcp.local", DnsType.Srv, 120, CacheFlush: true) { Port = 554, Target = "gate.local" },
                new DnsRecord("Gate\\.cam._rtsp._tcp.local", DnsType.Txt, 120) { Text = ["model=X1", "sn=123"] },
                new DnsRecord("gate.local", DnsType.Aaaa, 120) { Address = IPAddress.Parse("fd7a::7") },
            ]);
        var back = DnsMessageReader.Read(DnsMessageWriter.Write(message));
        Assert.That(back.Questions.Single(), Is.EqualTo(message.Questions[0]));
        var instance = DnsSdInstance.FromResponse(back, ["_rtsp._tcp.local"]).Single();
        // A dot inside an instance label survives as an escaped dot, not as a label boundary.
        Assert.That(instance.DisplayName, Is.EqualTo("Gate.cam"));
        Assert.That(instance.Port, Is.EqualTo(554));
        Assert.That(instance.Txt["sn"], Is.EqualTo("123"));
        Assert.That(instance.Addresses.Single(), Is.EqualTo(IPAddress.Parse("fd7a::7")));
    }

    [Test]
    public void APointerLoopIsRefused()
    {
        byte[] loop = [0, 1, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xC0, 12, 0, 12, 0, 1, 0, 0, 0, 1, 0, 0];
        Assert.That(DnsMessageReader.TryRead(loop, out _, out var reason), Is.False);
        Assert.That(reason, Does.Contain("does not point backwards"));
    }

    [Test]
    public void APointerBackToTheStartOfItsOwnNameIsRefused()
    {
        // 12: label "a", then at 14 a pointer to 12: it points backwards from where it stands,
        // but following it would read "a" and the same pointer for ever.
        byte[] chase = [0, 1, 0x84, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, (byte)'a', 0xC0, 12, 0, 12, 0, 1, 0, 0, 0, 1, 0, 0, 0xC0, 14, 0, 12, 0, 1, 0, 0, 0, 1, 0, 0];
        Assert.That(DnsMessageReader.TryRead(chase, out _, out var reason), Is.False);
        Assert.That(reason, Does.Contain("does not point backwards"));
    }

    [Test]
    public void LengthsThatRunPastTheDatagramAreRefused()
    {
        var good = CompressedAnswer();
        Assert.That(DnsMessageReader.TryRead(good.AsSpan(0, good.Length - 3), out _, out var r1), Is.False);
        Assert.That(r1, Does.StartWith("truncated"));
        Assert.That(DnsMessageReader.TryRead(good.AsSpan(0, 7), out _, out var r2), Is.False);
        Assert.That(r2, Does.Contain("12 bytes"));
        byte[] many = [0, 0, 0x84, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0];
        Assert.That(DnsMessageReader.TryRead(many, out _, out var r3), Is.False);
        Assert.That(r3, Does.Contain("more than 256"));
    }

    [Test]
    public void ANameOver255OctetsIsRefused()
    {
        var b = new List<byte> { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
        for (var i = 0; i < 5; i++)
        {
            b.Add(63);
            b.AddRange(Enumerable.Repeat((byte)'x', 63));
        }
        b.AddRange([0, 0, 12, 0, 1]);
        Assert.That(DnsMessageReader.TryRead(b.ToArray(), out _, out var reason), Is.False);
        Assert.That(reason, Does.Contain("255"));
    }

    [Test]
    public void AnswersForOtherServicesAreNotInstances()
    {
        var m = new DnsMessage(0, true, [], [new DnsRecord("_printer._tcp.local", DnsType.Ptr, 10) { Target = "P._printer._tcp.local" }], []);
        Assert.That(DnsSdInstance.FromResponse(DnsMessageReader.Read(DnsMessageWriter.Write(m)), ["_rtsp._tcp.local"]), Is.Empty);
    }
}
