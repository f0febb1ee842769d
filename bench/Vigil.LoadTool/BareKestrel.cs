using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vigil.LoadTool;

/// <summary>
/// `vigil-load serve-bare --listen URL`: the floor the hook benchmark compares with. Kestrel set up
/// as the portal sets it up (slim builder, no Server header, the same body limit), one route of the
/// same shape as the Flussonic hook, answering 200 with nothing: routing and HTTP, no decision.
/// </summary>
public static class BareKestrel
{
    public static async Task RunAsync(string listen)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(listen);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 512L * 1024 * 1024;
        });
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapGet("/hooks/flussonic/{streamer}", () => Results.Ok());
        await app.RunAsync().ConfigureAwait(false);
    }
}
