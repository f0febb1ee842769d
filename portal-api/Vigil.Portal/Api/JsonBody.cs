using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;

namespace Vigil.Portal.Api;

/// <summary>Reads a JSON request body with a size cap (1 MiB unless a caller needs more); a missing or empty body is a clear 400.</summary>
public static class JsonBody
{
    public const long MaxBytes = 1 << 20;

    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, long maxBytes = MaxBytes)
        where T : class
    {
        Limit(context, maxBytes);
        if (!context.Request.HasJsonContentType())
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "expected Content-Type: application/json");
        }
        var value = await context.Request.ReadFromJsonAsync(type, context.RequestAborted).ConfigureAwait(false);
        return value ?? throw ApiException.BadRequest("the body must be a JSON object, not null");
    }

    /// <summary>
    /// Caps the request body, JSON or not: a declared length over the cap is refused before reading;
    /// Kestrel then drains the body under its server-wide limit, so the client gets the 413 instead of
    /// a reset connection. A body of no declared length is cut at the cap while it is read.
    /// </summary>
    public static void Limit(HttpContext context, long maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"request body too large (at most {maxBytes} bytes)");
        }
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limit is { IsReadOnly: false } && context.Request.ContentLength is null)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
    }
}
