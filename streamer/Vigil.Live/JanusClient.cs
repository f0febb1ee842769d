using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Vigil.Live;

/// <summary>A request Janus refused or answered in a way vigil-live cannot use.</summary>
public sealed class JanusException(string message) : Exception(message);

/// <summary>
/// Janus's HTTP API (the janus.transport.http plugin on loopback): sessions, handles on the
/// streaming plugin, plugin messages and each session's event long-poll. Requests are written with
/// Utf8JsonWriter and answers read with JsonDocument; every request carries the api_secret.
/// </summary>
public sealed class JanusClient(HttpClient http, LiveOptions options)
{
    /// <summary>Janus's answers are a few kilobytes (an SDP offer); anything far larger is refused.</summary>
    private const int MaxAnswerBytes = 256 * 1024;
    private const string Plugin = "janus.plugin.streaming";
    private string Base => options.JanusUrl.TrimEnd('/');

    public async Task<long> CreateSessionAsync(CancellationToken ct)
    {
        using var answer = await PostAsync(Base, w => w.WriteString("janus", "create"), ct).ConfigureAwait(false);
        return Success(answer).GetProperty("data").GetProperty("id").GetInt64();
    }

    public async Task<long> AttachAsync(long session, CancellationToken ct)
    {
        using var answer = await PostAsync($"{Base}/{session}", w =>
        {
            w.WriteString("janus", "attach");
            w.WriteString("plugin", Plugin);
        }, ct).ConfigureAwait(false);
        return Success(answer).GetProperty("data").GetProperty("id").GetInt64();
    }

    /// <summary>Ends a session and every PeerConnection of it; a session already gone is no error.</summary>
    public async Task DestroySessionAsync(long session, CancellationToken ct)
    {
        try
        {
            using var _ = await PostAsync($"{Base}/{session}", w => w.WriteString("janus", "destroy"), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JanusException)
        {
            // Janus restarted or already reclaimed it: nothing left to end.
        }
    }

    /// <summary>
    /// A plugin request with a synchronous answer (create, destroy): the plugin's data, or an
    /// exception with its error.
    /// </summary>
    public async Task<JsonDocument> RequestAsync(long session, long handle, Action<Utf8JsonWriter> body, CancellationToken ct)
    {
        var answer = await MessageAsync(session, handle, body, null, ct).ConfigureAwait(false);
        var data = Success(answer).GetProperty("plugindata").GetProperty("data");
        if (data.TryGetProperty("error", out var error))
        {
            answer.Dispose();
            throw new JanusException($"streaming plugin: {error.GetString()}");
        }
        return answer;
    }

    /// <summary>A plugin message whose outcome comes as an event (watch, start): Janus acknowledges it at once.</summary>
    public async Task SendAsync(long session, long handle, Action<Utf8JsonWriter> body, (string Type, string Sdp)? jsep, CancellationToken ct)
    {
        using var answer = await MessageAsync(session, handle, body, jsep, ct).ConfigureAwait(false);
        var kind = answer.RootElement.GetProperty("janus").GetString();
        if (kind is not ("ack" or "success"))
        {
            throw new JanusException(ErrorOf(answer.RootElement));
        }
    }

    /// <summary>The viewer's trickled candidates (sdpMid "v", the one media section), and the end of them.</summary>
    public async Task TrickleAsync(long session, long handle, IReadOnlyList<string> candidates, bool completed, CancellationToken ct)
    {
        using var answer = await PostAsync($"{Base}/{session}/{handle}", w =>
        {
            w.WriteString("janus", "trickle");
            w.WriteStartArray("candidates");
            foreach (var candidate in candidates)
            {
                w.WriteStartObject();
                w.WriteString("candidate", candidate);
                w.WriteString("sdpMid", "v");
                w.WriteNumber("sdpMLineIndex", 0);
                w.WriteEndObject();
            }
            if (completed)
            {
                w.WriteStartObject();
                w.WriteBoolean("completed", true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }, ct).ConfigureAwait(false);
        if (answer.RootElement.GetProperty("janus").GetString() is not ("ack" or "success"))
        {
            throw new JanusException(ErrorOf(answer.RootElement));
        }
    }

    /// <summary>
    /// The session's next event, waiting up to Janus's long-poll time (30 s, then a keepalive, which
    /// also keeps the session alive). Null when the session is gone.
    /// </summary>
    public async Task<JsonDocument?> NextEventAsync(long session, CancellationToken ct)
    {
        using var response = await http.GetAsync(
            $"{Base}/{session}?maxev=1&rid={Environment.TickCount64.ToString(CultureInfo.InvariantCulture)}&apisecret={Uri.EscapeDataString(options.JanusSecret)}", ct).ConfigureAwait(false);
        var answer = await ReadAsync(response, ct).ConfigureAwait(false);
        if (answer.RootElement.GetProperty("janus").GetString() == "error")
        {
            answer.Dispose();
            return null;
        }
        return answer;
    }

    private Task<JsonDocument> MessageAsync(long session, long handle, Action<Utf8JsonWriter> body, (string Type, string Sdp)? jsep, CancellationToken ct) =>
        PostAsync($"{Base}/{session}/{handle}", w =>
        {
            w.WriteString("janus", "message");
            w.WriteStartObject("body");
            body(w);
            w.WriteEndObject();
            if (jsep is { } j)
            {
                w.WriteStartObject("jsep");
                w.WriteString("type", j.Type);
                w.WriteString("sdp", j.Sdp);
                w.WriteEndObject();
            }
        }, ct);

    private async Task<JsonDocument> PostAsync(string url, Action<Utf8JsonWriter> fields, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            fields(w);
            w.WriteString("transaction", Guid.NewGuid().ToString("N"));
            w.WriteString("apisecret", options.JanusSecret);
            w.WriteEndObject();
        }
        using var content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(url, content, ct).ConfigureAwait(false);
        return await ReadAsync(response, ct).ConfigureAwait(false);
    }

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
        {
            throw new JanusException("answer too large");
        }
        var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (bytes.Length > MaxAnswerBytes)
        {
            throw new JanusException("answer too large");
        }
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new JanusException($"unreadable answer (HTTP {(int)response.StatusCode}): {e.Message}");
        }
    }

    private static JsonElement Success(JsonDocument answer)
    {
        var root = answer.RootElement;
        if (root.GetProperty("janus").GetString() != "success")
        {
            throw new JanusException(ErrorOf(root));
        }
        return root;
    }

    private static string ErrorOf(JsonElement root) =>
        root.TryGetProperty("error", out var e) && e.TryGetProperty("reason", out var reason) ? reason.GetString() ?? "error" : root.GetRawText();
}
