using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Portal.Data;

namespace Vigil.Portal.Tests;

/// <summary>
/// A file of 100,000 cameras through the real endpoint, on SQLite only to keep the suite quick:
/// `./build.sh bench import` runs it on both databases and measures the server's memory.
/// </summary>
public sealed class LargeImportTests
{
    [Test]
    public async Task AHundredThousandCamerasStreamThroughTheEndpoint()
    {
        await using var portal = await PortalServer.StartAsync(TestDatabases.Sqlite);
        using var admin = await portal.AdminAsync();
        // The body is made row by row as the connection takes it (chunked, no length): neither end holds the file.
        var content = new RowContent(ImportTests.CameraHeader, 100_000,
            i => $"cam{i},Camera {i},rtsp://10.{i / 65536}.{i / 256 % 256}.{i % 256}/main,,7,true,private,,SN{i},,,,");
        var answer = await ImportTests.SendAsync(admin, "cameras", content, "all");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Text);
        Assert.That(ImportTests.Counts(answer), Is.EqualTo((100_000, 0, 0)));
        Assert.That(content.Produced, Is.EqualTo(100_000));
        var db = portal.Services.GetRequiredService<Database>();
        Assert.That(await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM cameras"), Is.EqualTo(100_000));
        var last = await db.QuerySingleOrDefaultAsync<Camera>($"{CameraStore.Select} WHERE c.name = @name", new { name = "cam99999" });
        Assert.That((last!.StreamUrl, last.AgentSerial, last.DvrDepth, last.Enabled), Is.EqualTo(("rtsp://10.1.134.159/main", "SN99999", 7, true)));
    }
}
