using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vigil.Stack;

/// <summary>
/// A stand-in for the portal's nginx-rtmp hook where the portal is not part of what is tested or
/// measured: a bare Kestrel on loopback that answers 200, with nothing, to every request on any path,
/// which is what the portal answers a valid publish, play or update (and vigil-archive a
/// record-done). A streamer node filled with its <see cref="Url"/> lets every publisher and viewer on.
/// </summary>
public sealed class AllowAllHook : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AllowAllHook(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>http://127.0.0.1:PORT, the server's root.</summary>
    public string BaseUrl { get; }

    /// <summary>The URL to give nginx as its hook (@HOOK_URL@).</summary>
    public string Url => BaseUrl + "/hook";

    /// <summary>Starts it on a port the system picks; returns once it listens.</summary>
    public static async Task<AllowAllHook> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        await app.StartAsync().ConfigureAwait(false);
        // Kestrel reports the port it was given in place of 0.
        var address = app.Urls.Single();
        return new AllowAllHook(app, address.TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
