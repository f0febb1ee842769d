using System.Net;
using System.Security.Cryptography;
using Vigil.Protocol.Link;

namespace Vigil.Portal.Tests;

/// <summary>Set-up steps several suites share: a relay node, a device's hello, a streamer, a camera.</summary>
public static class Fixtures
{
    /// <summary>Registers a relay node; returns a client authenticated as that node on the internal API.</summary>
    public static async Task<PortalClient> RelayNodeAsync(PortalServer portal, PortalClient admin, string nodeId, string apiUrl = "", string apiToken = "")
    {
        var put = await admin.PutJsonAsync($"/api/v1/relays/{nodeId}", new { api_url = apiUrl, api_token = apiToken, endpoints = "127.0.0.1:7443" });
        Assert.That(put.Status, Is.EqualTo(HttpStatusCode.OK), put.Text);
        var node = portal.Anonymous();
        node.Bearer(put.Json!["portal_token"]!.GetValue<string>());
        return node;
    }

    /// <summary>A device key as an agent makes one: returns (device id, base64 public key).</summary>
    public static (string Id, string PublicKey) NewDeviceKey()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        return (DeviceIdentity.DeviceId(key), Convert.ToBase64String(key));
    }

    public static async Task<PortalClient.Answer> HelloAsync(PortalClient node, string id, string publicKey, string serial, string model = "DS-2CD2143", string address = "192.168.1.64")
    {
        var answer = await node.PostJsonAsync("/internal/v1/hello", new
        {
            device_id = id, public_key = publicKey, serial, model, firmware = "V5.7.3", agent_version = "0.1.0", address,
        });
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        return answer;
    }

    public static async Task<string> StreamerAsync(PortalClient admin, string name, string ingest = "rtmp://127.0.0.1:1935/live")
    {
        var created = await admin.PostJsonAsync("/api/v1/streamers", new { name, kind = "nginx-rtmp", public_url = "http://127.0.0.1:8081", ingest_url = ingest, capacity = 10 });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        return created.Json!["hook_key"]!.GetValue<string>();
    }

    public static async Task CameraAsync(PortalClient staff, string name, string access = "private", string? group = null, int dvrDepth = 0)
    {
        var created = await staff.PostJsonAsync("/api/v1/cameras", new { name, title = name, stream_url = "rtsp://127.0.0.1:554/main", access, group, dvr_depth = dvrDepth });
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
    }

    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
