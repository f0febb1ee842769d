using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Vigil.Archive.Playback;
using Vigil.Archive.Store;

namespace Vigil.Archive.Retention;

/// <summary>One camera's depth as the portal gives it: GET /hooks/nginx-rtmp/STREAMER/archive-policy?key=KEY.</summary>
public sealed record CameraDepth([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("dvr_depth")] int DvrDepth);

/// <summary>The portal's archive policy for a streamer: the depth of each camera assigned to it.</summary>
public sealed record ArchivePolicyDocument([property: JsonPropertyName("cameras")] IReadOnlyList<CameraDepth> Cameras);

/// <summary>
/// Each camera's depth in days, asked of the portal every few minutes, so that a change applies without
/// a restart. A camera the portal no longer names (deleted, or moved to another streamer) keeps the last
/// depth it had here, so its archive stays until that runs out; the depths are kept in a file under the
/// archive so that a restart does not forget them. A camera never named gets the configured default.
/// </summary>
public sealed class ArchivePolicy
{
    /// <summary>The policy document is a few dozen bytes per camera; a node carries thousands at most.</summary>
    public const int MaxDocumentBytes = 4 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, int> _depths = new(StringComparer.Ordinal);
    private readonly string _file;
    private readonly int _defaultDepth;

    public ArchivePolicy(ArchiveLayout layout, int defaultDepthDays)
    {
        _file = Path.Combine(layout.ArchiveDir, ".depths.json");
        _defaultDepth = defaultDepthDays;
        Load();
    }

    public int DepthDays(string camera) => _depths.TryGetValue(camera, out var d) ? d : _defaultDepth;

    /// <summary>Takes the portal's answer: every camera it names gets its depth, the others keep theirs.</summary>
    public void Apply(ArchivePolicyDocument document)
    {
        foreach (var camera in document.Cameras)
        {
            if (CameraName.IsValid(camera.Name) && camera.DvrDepth is >= 0 and <= 3650)
            {
                _depths[camera.Name] = camera.DvrDepth;
            }
        }
        Save();
    }

    public static ArchivePolicyDocument Parse(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, ArchiveJsonContext.Default.ArchivePolicyDocument)
        ?? throw new JsonException("the policy is null");

    private void Load()
    {
        try
        {
            var bytes = File.ReadAllBytes(_file);
            if (bytes.Length <= MaxDocumentBytes)
            {
                Apply(Parse(bytes));
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            // No depths kept yet, or a damaged file: the portal's next answer fills them.
        }
    }

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        var document = new ArchivePolicyDocument(_depths.Select(p => new CameraDepth(p.Key, p.Value)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList());
        var temp = _file + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(document, ArchiveJsonContext.Default.ArchivePolicyDocument));
        File.Move(temp, _file, overwrite: true);
    }
}
