using System.Text.Json;
using Npgsql;
using Microsoft.Extensions.Logging;

namespace Vigil.Portal.Api;

/// <summary>A refusal with its HTTP status and a message meant for the caller.</summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
    public static ApiException NotFound(string what) => new(StatusCodes.Status404NotFound, $"{what} not found");
    public static ApiException Forbidden(string message = "not allowed") => new(StatusCodes.Status403Forbidden, message);
    public static ApiException Unauthorized() => new(StatusCodes.Status401Unauthorized, "authentication required");
    public static ApiException Conflict(string message) => new(StatusCodes.Status409Conflict, message);
}

/// <summary>
/// Turns every refusal into {"error": "..."} with its status. Bad bodies (invalid JSON, wrong types,
/// too large) are the caller's fault and say so; anything else is a 500 that names no internals.
/// </summary>
internal sealed class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && Classify(e) is { } refusal)
        {
            await WriteAsync(context, refusal.Status, refusal.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && DatabaseUnavailable(e))
        {
            // PostgreSQL restarting or out of reach: a clear, retryable answer; the connection pool
            // opens fresh connections once it is back, with nothing to restart here.
            PortalLog.DatabaseUnavailable(log, context.Request.Method, context.Request.Path, e.Message);
            context.Response.Headers.RetryAfter = "5";
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "the database is unavailable; try again shortly").ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            PortalLog.Unhandled(log, context.Request.Method, context.Request.Path, e);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, "internal error").ConfigureAwait(false);
        }
    }

    private static (int Status, string Message)? Classify(Exception e) => e switch
    {
        ApiException a => (a.Status, a.Message),
        JsonException j => (StatusCodes.Status400BadRequest, $"invalid JSON body: {j.Message}"),
        BadHttpRequestException b when b.StatusCode == StatusCodes.Status413PayloadTooLarge => (b.StatusCode, "request body too large"),
        BadHttpRequestException b => (b.StatusCode, b.InnerException is JsonException ij ? $"invalid JSON body: {ij.Message}" : b.Message),
        InvalidOperationException i when i.Message.Contains("Content-Type", StringComparison.OrdinalIgnoreCase) =>
            (StatusCodes.Status415UnsupportedMediaType, i.Message),
        _ => null,
    };

    /// <summary>
    /// The server cannot be reached or is shutting down or starting (SQLSTATE classes 08 and 57P,
    /// too many connections): not the request's fault, and over once the database is back.
    /// </summary>
    public static bool DatabaseUnavailable(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState == "53300",
        NpgsqlException => true,
        _ => e.InnerException is { } inner && DatabaseUnavailable(inner),
    };

    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorBody(message), PortalJsonContext.Default.ErrorBody);
    }
}

public sealed record ErrorBody(string Error);
