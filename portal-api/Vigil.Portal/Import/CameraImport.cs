using System.Data.Common;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Vigil.Portal.Api;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;
using Vigil.Portal.Hooks;

namespace Vigil.Portal.Import;

/// <summary>
/// Cameras from billing, in Watcher's columns, upserted by name. A column the file does not have
/// keeps its value on an existing camera and takes the default on a new one. The checks are the
/// JSON API's; group and streamer are names that must exist (a line naming a missing one is
/// refused, not a reason to make it).
/// </summary>
public sealed class CameraImport(Database db, PlayAuthorizer decisions, ILogger<CameraImport> log)
{
    private static readonly ImportColumn[] Columns =
    [
        new("name", "name", ColumnType.Text),
        new("title", "title", ColumnType.Text),
        new("stream_url", "stream_url", ColumnType.Text),
        new("substream_url", "substream_url", ColumnType.Text),
        new("dvr_depth", "dvr_depth", ColumnType.Integer),
        new("enabled", "enabled", ColumnType.Boolean),
        new("access", "access", ColumnType.Text),
        new("group", "group_id", ColumnType.Id),
        new("agent_serial", "agent_serial", ColumnType.Text),
        new("coordinates", "coordinates", ColumnType.Text),
        new("postal_address", "postal_address", ColumnType.Text),
        new("comment", "comment", ColumnType.Text),
        new("streamer", "streamer_id", ColumnType.Id),
    ];

    public async Task<(ImportResult Result, bool Written)> ImportAsync(PipeReader body, ImportMode mode, CancellationToken ct)
    {
        var (result, written) = await ImportRun.RunAsync(db, new Rows(db), body, mode, ct).ConfigureAwait(false);
        if (written)
        {
            decisions.Invalidate();
        }
        PortalLog.Imported(log, "cameras", result.Created, result.Updated, result.Errors.Count + result.ErrorsNotListed);
        return (result, written);
    }

    private sealed class Rows(Database db) : ImportKind
    {
        private const int MaxCached = 10_000;

        // Group and streamer ids by name (null: no such one), looked up once per name and file.
        private readonly Dictionary<string, long?> _groups = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long?> _streamers = new(StringComparer.Ordinal);

        public override string What => "cameras";
        public override string Noun => "camera";
        public override IReadOnlyList<ImportColumn> Columns => CameraImport.Columns;

        public override async ValueTask<string?> ReadAsync(string?[] f, object?[] values, CancellationToken ct)
        {
            string? error = null;
            var dvrDepth = Integer(f[4], "dvr_depth", ref error);
            var enabled = Boolean(f[5], "enabled", ref error);
            var input = new CameraInput(f[0], f[1], f[2], f[3], dvrDepth, enabled, f[6], f[7], f[8], f[9], f[10], f[11], f[12]);
            // The name first, then the API's checks; a value that did not parse, after them.
            error = Check.NameError("name", input.Name) ?? CameraEndpoints.FieldErrors(input).FirstOrDefault(e => e is not null) ?? error;
            if (error is not null)
            {
                return error;
            }
            long? groupId = null, streamerId = null;
            if (input.Group is { Length: > 0 } group)
            {
                groupId = await IdAsync(_groups, "groups", group).ConfigureAwait(false);
                if (groupId is null)
                {
                    return $"no group '{group}'";
                }
            }
            if (input.Streamer is { Length: > 0 } streamer)
            {
                streamerId = await IdAsync(_streamers, "streamers", streamer).ConfigureAwait(false);
                if (streamerId is null)
                {
                    return $"no streamer '{streamer}'";
                }
            }
            object?[] row = [input.Name, input.Title, input.StreamUrl, input.SubstreamUrl, dvrDepth, enabled, input.Access, groupId, input.AgentSerial,
                input.Coordinates, input.PostalAddress, input.Comment, streamerId];
            row.CopyTo(values, 0);
            return null;
        }

        public override Task<(int Created, int Updated)> MergeAsync(StagingTable stage, DbTransaction tx, bool[] present, CancellationToken ct)
        {
            // Every column but the key, as it is staged: an empty group or streamer staged as null clears it.
            var columns = Columns.Skip(1).Where((_, i) => present[i + 1])
                .Select(c => new MergeColumn(c.Staged, c.Staged, $"excluded.{c.Staged}"))
                .ToList();
            return stage.MergeAsync(tx, "cameras", columns, ct);
        }

        private async Task<long?> IdAsync(Dictionary<string, long?> cache, string table, string name)
        {
            if (!cache.TryGetValue(name, out var id))
            {
                id = await db.ExecuteScalarAsync<long?>($"SELECT id FROM {table} WHERE name = @name", new { name }).ConfigureAwait(false);
                if (cache.Count >= MaxCached)
                {
                    // A file naming ever new groups should not grow the cache with it.
                    cache.Clear();
                }
                cache[name] = id;
            }
            return id;
        }
    }
}
