using System.Text.Json.Serialization;
using Vigil.Portal.Data;
using Vigil.Portal.Hooks;

namespace Vigil.Portal.Streamers;

/// <summary>One camera's depth in the archive policy: its name and dvr_depth in days.</summary>
public sealed record ArchivePolicyCamera(string Name, int DvrDepth);

/// <summary>What a streamer node's archive keeps: the depth of each camera placed on the streamer.</summary>
public sealed record ArchivePolicy(IReadOnlyList<ArchivePolicyCamera> Cameras);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ArchivePolicy))]
internal sealed partial class ArchivePolicyJsonContext : JsonSerializerContext;

/// <summary>
/// GET /hooks/nginx-rtmp/{streamer}/archive-policy?key=KEY: what vigil-archive on a streamer node asks
/// every minute, with the streamer's hook key, to learn each camera's depth. Only the cameras placed on
/// that streamer are named; a camera moved away or deleted drops out, and the node keeps the depth it
/// last had until its archive runs out.
/// </summary>
internal static class ArchivePolicyEndpoint
{
    public static async Task GetAsync(HookCall call)
    {
        var cameras = await call.Http.RequestServices.GetRequiredService<CameraStore>().DepthsOnStreamerAsync(call.Streamer.Id).ConfigureAwait(false);
        var policy = new ArchivePolicy(cameras.Select(c => new ArchivePolicyCamera(c.Name, c.DvrDepth)).ToList());
        call.Http.Response.Headers.CacheControl = "no-store";
        await call.Http.Response.WriteAsJsonAsync(policy, ArchivePolicyJsonContext.Default.ArchivePolicy, cancellationToken: call.Http.RequestAborted).ConfigureAwait(false);
    }
}
