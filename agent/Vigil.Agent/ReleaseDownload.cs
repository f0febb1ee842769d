using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Protocol.Control;
using Vigil.Protocol.Releases;

namespace Vigil.Agent;

/// <summary>
/// A release arriving through the relay link, as three commands of the relay:
/// <code>
/// update_begin {"version":"0.2.0","size":N,"force":false}  -> {"have":BYTES}   (what is already here: resume)
/// update_chunk {"version":"0.2.0","offset":O,"data":B64}    -> {"have":BYTES}   (O must be what is here)
/// update_apply {"version":"0.2.0","force":false}            -> {"applied":"0.2.0"} then a restart into it
/// </code>
/// The bytes go straight to state_dir/download/vigil-agent-VERSION-SIZE.part at their offset: memory
/// is one chunk, and a cut link loses nothing (update_begin says where to go on). Nothing runs
/// before update_apply has checked the whole file (<see cref="ReleaseStager"/>); a refusal leaves
/// the running binary as it is, with the reason in the result, the log and state_dir/update.
/// </summary>
internal sealed class ReleaseDownload(AgentContext context)
{
    /// <summary>Largest decoded chunk: what fits a control message in base64 with room to spare.</summary>
    public const int MaxChunk = 9 * 1024;

    private const int CollectEvery = 128 * 1024;

    /// <summary>The exit code of an agent that stops to be started again on a new release.</summary>
    public const int RestartExitCode = 75;

    private string StateDir => context.Config.StateDir;

    private string DownloadDir => Path.Combine(StateDir, "download");

    public void Handle(ControlMessage command, ControlMessage result)
    {
        try
        {
            var args = Args.Read(command.Body);
            if (context.Config.ReleaseKey is null)
            {
                throw new ReleaseRejectedException("no_release_key", "the config names no release_key: this agent installs no release");
            }
            if (args.Version is null || !ReleaseVersion.TryParse(args.Version, out _))
            {
                throw new ReleaseRejectedException("malformed", "the command names no version of the form N.N.N");
            }
            result.Body = command.Name switch
            {
                "update_begin" => Begin(args),
                "update_chunk" => Chunk(args),
                _ => Apply(args),
            };
        }
        catch (ReleaseRejectedException e)
        {
            Fail(result, e.Reason, e.Message);
        }
        catch (IOException e)
        {
            ClearDownloads(keep: null);
            Fail(result, "disk", $"cannot store the release in {DownloadDir}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            Fail(result, "disk", $"cannot store the release in {DownloadDir}: {e.Message}");
        }
    }

    private void Fail(ControlMessage result, string reason, string message)
    {
        result.Ok = false;
        result.Error = $"{reason}: {message}";
        ReleaseSwitch.Record(StateDir, "rejected", "", result.Error);
        Log.Warn($"release refused ({reason}): {message}");
    }

    private string PartPath(string version, long size) => Path.Combine(DownloadDir, $"vigil-agent-{version}-{size.ToString(CultureInfo.InvariantCulture)}.part");

    private byte[] Begin(Args args)
    {
        if (args.Size is not (> ReleaseFormat.PrefixLength and <= ReleaseManifest.MaxSize + 2048))
        {
            throw new ReleaseRejectedException("malformed", "the release's size is out of range");
        }
        Directory.CreateDirectory(DownloadDir);
        var part = PartPath(args.Version!, args.Size);
        ClearDownloads(keep: part);
        long have = 0;
        if (File.Exists(part))
        {
            have = Math.Min(new FileInfo(part).Length, args.Size);
            Log.Info($"release {args.Version}: resuming at byte {have} of {args.Size}");
        }
        else
        {
            File.WriteAllBytes(part, []);
            Log.Info($"release {args.Version}: downloading {args.Size} bytes through the relay");
        }
        ReleaseSwitch.Record(StateDir, "downloading", args.Version!, "");
        return Have(have);
    }

    private byte[] Chunk(Args args)
    {
        var part = PartPath(args.Version!, args.Size);
        if (!File.Exists(part))
        {
            throw new ReleaseRejectedException("no_download", "no download of this release was begun");
        }
        var data = args.Data ?? [];
        using var file = File.OpenHandle(part, FileMode.Open, FileAccess.Write);
        var have = RandomAccess.GetLength(file);
        if (args.Offset != have || have + data.Length > args.Size)
        {
            throw new ReleaseRejectedException("offset", $"a chunk at {args.Offset} of {data.Length} bytes does not follow the {have} bytes here");
        }
        RandomAccess.Write(file, data, have);
        // Each chunk leaves some 40 KB of garbage (the frame, the JSON, base64 and its decoding), and the
        // GC's first generation would let megabytes of it pile up over a download: collected every
        // 128 KiB, the agent's resident memory stays what it is when idle, plus a little.
        if ((have + data.Length) / CollectEvery != have / CollectEvery)
        {
            GC.Collect(0);
        }
        return Have(have + data.Length);
    }

    private byte[] Apply(Args args)
    {
        var part = PartPath(args.Version!, args.Size);
        if (!File.Exists(part))
        {
            throw new ReleaseRejectedException("no_download", "no download of this release was begun");
        }
        try
        {
            var (manifest, staged) = ReleaseStager.Stage(part, context.Config.ReleaseKey!, StateDir, args.Force);
            if (manifest.Version != args.Version)
            {
                throw new ReleaseRejectedException("malformed", $"the signed version {manifest.Version} is not the announced {args.Version}");
            }
            ReleaseSwitch.SwitchTo(StateDir, staged, manifest.Version, context.Config.UpdateTrial, ReleaseSwitch.FactoryBinary);
            Log.Info($"release {manifest.Version} applied: restarting into it (exit {RestartExitCode}); on trial for {context.Config.UpdateTrial.TotalSeconds} s");
            context.RequestRestart(RestartExitCode);
            return Encoding.UTF8.GetBytes($"{{\"applied\":\"{manifest.Version}\"}}");
        }
        finally
        {
            // Verified or refused, the download is done with: a refused one must be fetched again whole.
            ClearDownloads(keep: null);
        }
    }

    /// <summary>Removes the partial download unless it is <paramref name="keep"/>: one download at a time bounds the disk used.</summary>
    private void ClearDownloads(string? keep)
    {
        // The one download's name is in a file of its own: listing the directory would link the
        // framework's directory enumeration (some 20 KB).
        var current = Path.Combine(DownloadDir, "current");
        if (File.Exists(current) && TextFile.ReadAllText(current).Trim() is { Length: > 0 } name && Path.Combine(DownloadDir, name) != keep)
        {
            File.Delete(Path.Combine(DownloadDir, name));
        }
        if (keep is null)
        {
            File.Delete(current);
        }
        else
        {
            AtomicFile.Write(current, Encoding.UTF8.GetBytes(Path.GetFileName(keep) + "\n"), durable: false);
        }
    }

    private static byte[] Have(long have) => Encoding.UTF8.GetBytes($"{{\"have\":{have.ToString(CultureInfo.InvariantCulture)}}}");

    private sealed class Args
    {
        public string? Version { get; private set; }
        public long Size { get; private set; }
        public long Offset { get; private set; }
        public bool Force { get; private set; }
        public byte[]? Data { get; private set; }

        public static Args Read(byte[]? json)
        {
            var args = new Args();
            try
            {
                var r = new Utf8JsonReader(json ?? [], new JsonReaderOptions { MaxDepth = 2 });
                if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
                {
                    throw new ReleaseRejectedException("malformed", "the command's arguments are not an object");
                }
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    var name = r.GetString();
                    r.Read();
                    switch (name)
                    {
                        case "version": args.Version = r.GetString(); break;
                        case "size": args.Size = r.GetInt64(); break;
                        case "offset": args.Offset = r.GetInt64(); break;
                        case "force": args.Force = r.GetBoolean(); break;
                        case "data": args.Data = Decode(r.ValueIsEscaped ? Encoding.UTF8.GetBytes(r.GetString()!) : r.ValueSpan); break;
                        default: r.Skip(); break;
                    }
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                throw new ReleaseRejectedException("malformed", $"the command's arguments are malformed: {e.Message}");
            }
            return args;
        }

        private static byte[] Decode(ReadOnlySpan<byte> base64)
        {
            var data = new byte[MaxChunk];
            var written = Base64Decoder.Decode(base64, data);
            if (written < 0)
            {
                throw new ReleaseRejectedException("malformed", $"a chunk is base64 of at most {MaxChunk} bytes");
            }
            // Not data[..written]: the range on an array links RuntimeHelpers.GetSubArray, whose path for
            // arrays of another element type brings in the runtime's type loader (some 180 KB).
            return data.AsSpan(0, written).ToArray();
        }
    }
}
