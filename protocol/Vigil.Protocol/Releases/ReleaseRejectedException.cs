namespace Vigil.Protocol.Releases;

/// <summary>
/// A release the agent will not install, with a short machine-readable <see cref="Reason"/>
/// (bad_signature, wrong_rid, not_newer, hash_mismatch, truncated, too_long, malformed, disk) for the
/// status and the portal, and a sentence for people.
/// </summary>
public sealed class ReleaseRejectedException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
