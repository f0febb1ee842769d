using Vigil.Protocol.Releases;

namespace Vigil.Agent;

/// <summary>
/// The release commands. `stage-release FILE` checks a signed release and stores its binary;
/// `apply-release FILE` does that and makes it the current binary, on trial (the init script's
/// restart then starts it); `rollback` returns to the previous binary. Each outcome goes to the
/// log and to state_dir/update, where status readers find why a release was refused.
/// </summary>
internal static class ReleaseCommand
{
    public static int Stage(AgentConfig config, string? stateDir, string release, bool allowDowngrade, bool apply)
    {
        var dir = stateDir ?? config.StateDir;
        if (config.ReleaseKey is not { } key)
        {
            StdIo.ErrLine("vigil-agent: the config names no release_key: this agent installs no release");
            ReleaseSwitch.Record(dir, "rejected", "", "no_release_key");
            return 1;
        }
        try
        {
            var (manifest, path) = ReleaseStager.Stage(release, key, dir, allowDowngrade);
            if (!apply)
            {
                ReleaseSwitch.Record(dir, "staged", manifest.Version, "");
                StdIo.OutLine($"staged {manifest.Version} ({manifest.Rid}, {manifest.Size} bytes) at {path}");
                return 0;
            }
            ReleaseSwitch.SwitchTo(dir, path, manifest.Version, config.UpdateTrial, ReleaseSwitch.FactoryBinary);
            StdIo.OutLine($"applied {manifest.Version} ({manifest.Rid}): {ReleaseSwitch.CurrentLink(dir)} -> {path}, on trial for {config.UpdateTrial.TotalSeconds} s; restart the agent to run it");
            return 0;
        }
        catch (ReleaseRejectedException e)
        {
            ReleaseSwitch.Record(dir, "rejected", "", $"{e.Reason}: {e.Message}");
            StdIo.ErrLine($"vigil-agent: release refused ({e.Reason}): {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ReleaseSwitch.Record(dir, "rejected", "", $"unreadable: {e.Message}");
            StdIo.ErrLine($"vigil-agent: release refused (unreadable): {e.Message}");
            return 1;
        }
    }
}
