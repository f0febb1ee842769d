using Vigil.Portal.Api;

namespace Vigil.Portal.Devices;

/// <summary>
/// Answers a <see cref="DeviceRefusal"/> from the device endpoints with its HTTP status: it becomes
/// the <see cref="ApiException"/> the error middleware writes as {"error": "..."}.
/// </summary>
internal static class DeviceRefusalFilter
{
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (DeviceRefusal refusal)
        {
            throw new ApiException(Status(refusal.Kind), refusal.Message);
        }
    }

    public static int Status(DeviceRefusalKind kind) => kind switch
    {
        DeviceRefusalKind.NotFound => StatusCodes.Status404NotFound,
        DeviceRefusalKind.Invalid => StatusCodes.Status400BadRequest,
        DeviceRefusalKind.Conflict => StatusCodes.Status409Conflict,
        DeviceRefusalKind.WrongProof => StatusCodes.Status403Forbidden,
        DeviceRefusalKind.Throttled => StatusCodes.Status429TooManyRequests,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
