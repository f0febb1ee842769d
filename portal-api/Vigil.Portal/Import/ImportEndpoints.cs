using Vigil.Portal.Api;
using Vigil.Portal.Auth;

namespace Vigil.Portal.Import;

/// <summary>
/// The billing imports, Watcher-compatible: the body is the CSV file itself
/// (curl --data-binary @cameras.csv), read as it arrives. ?mode=all (the default) writes nothing
/// when a line is bad and answers 422; ?mode=partial writes the good lines and answers 200.
/// </summary>
internal static class ImportEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/users/import", async (HttpContext ctx, UserImport import) =>
        {
            var caller = Caller.Of(ctx).RequireAdmin();
            var mode = Mode(ctx);
            return Answer(await import.ImportAsync(ctx.Request.BodyReader, caller.User!, mode, ctx.RequestAborted));
        });
        api.MapPost("/cameras/import", async (HttpContext ctx, CameraImport import) =>
        {
            Caller.Of(ctx).RequireStaff();
            var mode = Mode(ctx);
            return Answer(await import.ImportAsync(ctx.Request.BodyReader, mode, ctx.RequestAborted));
        });
    }

    private static ImportMode Mode(HttpContext ctx) => ctx.Request.Query["mode"].ToString() switch
    {
        "" or "all" => ImportMode.AllOrNothing,
        "partial" => ImportMode.Partial,
        _ => throw ApiException.BadRequest("mode must be all or partial"),
    };

    private static IResult Answer((ImportResult Result, bool Written) import) =>
        Results.Json(import.Result, PortalJsonContext.Default.ImportResult,
            statusCode: import.Written ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
}
