namespace Vigil.Stack;

/// <summary>
/// The portal of a <see cref="VigilStack"/>: vigil-portal as its own process (<see cref="PortalProcess"/>,
/// as the demo and the end-to-end tests run it), or one the caller hosts in its own process (a test
/// that reads the portal's state), each with the embedded relay the stack names.
/// </summary>
public interface IStackPortal : IAsyncDisposable
{
    /// <summary>An HTTP client with the first admin's session.</summary>
    HttpClient Api { get; }

    /// <summary>The address it serves.</summary>
    Uri BaseAddress { get; }

    /// <summary>The first admin's password.</summary>
    string AdminPassword { get; }

    /// <summary>What the portal has logged, its admin password masked.</summary>
    string Log { get; }
}

/// <summary>
/// What a portal of the stack is started with: its SQLite file, where its embedded relay takes agents
/// and serves its node API, its data folder, and its HTTP port (0: a free one).
/// </summary>
public sealed record StackPortalLaunch(string Database, string EmbeddedRelay, string EmbeddedRelayApi, string DataDir, int Port);
