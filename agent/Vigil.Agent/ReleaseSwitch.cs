using System.Globalization;
using System.Text;

namespace Vigil.Agent;

/// <summary>
/// Which binary the init script starts, and the switch between releases. The factory binary
/// (/usr/bin/vigil-agent, on a read-only root as often as not) is never replaced: updates live in
/// the state directory, which is writable on every camera the agent runs on.
/// <code>
/// STATE/releases/vigil-agent-VERSION   verified binaries (ReleaseStager)
/// STATE/bin/current -> ...             what the init script starts when it is there and executable
/// STATE/bin/previous -> ...            what `rollback` returns to (the factory binary at first)
/// STATE/bin/trial                      "VERSION SECONDS": the current binary is on trial
/// STATE/update                         update_state, update_version, update_reason: the outcome
/// </code>
/// Each link is replaced by renaming a new one over it, so a power cut leaves the old link or the
/// new. A release on trial must reach a relay within its seconds: the running agent then confirms
/// it (removes the trial file); the init script rolls back a binary that exits, or that has not
/// confirmed in time, with `vigil-agent rollback` of the factory binary.
/// </summary>
internal static class ReleaseSwitch
{
    public const string FactoryBinary = "/usr/bin/vigil-agent";

    private static string BinDir(string stateDir) => Path.Combine(stateDir, "bin");

    public static string CurrentLink(string stateDir) => Path.Combine(BinDir(stateDir), "current");

    private static string PreviousLink(string stateDir) => Path.Combine(BinDir(stateDir), "previous");

    public static string TrialFile(string stateDir) => Path.Combine(BinDir(stateDir), "trial");

    /// <summary>Makes a staged binary the current one, on trial; the one it replaces becomes the previous.</summary>
    public static void SwitchTo(string stateDir, string staged, string version, TimeSpan trial, string factory)
    {
        var bin = BinDir(stateDir);
        Directory.CreateDirectory(bin);
        var current = CurrentLink(stateDir);
        var running = File.Exists(current) ? new FileInfo(current).LinkTarget ?? factory : factory;
        Link(PreviousLink(stateDir), running);
        AtomicFile.Write(TrialFile(stateDir), Encoding.ASCII.GetBytes($"{version} {((int)Math.Ceiling(trial.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}\n"));
        Link(current, staged);
        Record(stateDir, "trial", version, "");
    }

    /// <summary>Called once connected: a binary on trial that reached a relay is kept.</summary>
    public static void ConfirmIfOnTrial(string stateDir)
    {
        var trial = TrialFile(stateDir);
        try
        {
            if (!File.Exists(trial))
            {
                return;
            }
            var version = TextFile.ReadAllText(trial).Split(' ')[0];
            File.Delete(trial);
            Record(stateDir, "updated", version, "");
            Log.Info($"release {version} reached a relay: kept");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Warn($"cannot confirm the release on trial: {e.Message}");
        }
    }

    /// <summary>`vigil-agent rollback`: the previous binary becomes current again; the reason goes to the update record.</summary>
    public static int Rollback(string stateDir, string reason)
    {
        var previous = PreviousLink(stateDir);
        var trial = TrialFile(stateDir);
        var version = File.Exists(trial) ? TextFile.ReadAllText(trial).Split(' ')[0] : "";
        if (new FileInfo(previous).LinkTarget is not { } target)
        {
            StdIo.ErrLine("vigil-agent: nothing to roll back to (no previous release)");
            return 1;
        }
        if (target == FactoryBinary)
        {
            // Back to the factory binary: no link at all, so that the init script starts /usr/bin/vigil-agent.
            File.Delete(CurrentLink(stateDir));
        }
        else
        {
            Link(CurrentLink(stateDir), target);
        }
        if (File.Exists(trial))
        {
            File.Delete(trial);
        }
        Record(stateDir, "rolled_back", version, reason);
        Log.Warn($"rolled back from {(version.Length > 0 ? version : "the current release")} to {target}: {reason}");
        return 0;
    }

    /// <summary>The update record next to the status file: what the portal and `status` show.</summary>
    public static void Record(string stateDir, string state, string version, string reason)
    {
        try
        {
            Directory.CreateDirectory(stateDir);
            var clean = reason.Replace('\n', ' ');
            AtomicFile.Write(Path.Combine(stateDir, "update"), Encoding.UTF8.GetBytes($"update_state={state}\nupdate_version={version}\nupdate_reason={clean}\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StdIo.ErrLine($"vigil-agent: cannot record the update's outcome in {stateDir}: {e.Message}");
        }
    }

    /// <summary>Points <paramref name="link"/> at <paramref name="target"/> through a new link renamed over it.</summary>
    private static void Link(string link, string target)
    {
        var temp = link + ".new";
        if (File.Exists(temp) || new FileInfo(temp).LinkTarget is not null)
        {
            File.Delete(temp);
        }
        File.CreateSymbolicLink(temp, target);
        File.Move(temp, link, overwrite: true);
    }
}
