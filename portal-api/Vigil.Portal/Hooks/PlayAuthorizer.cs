namespace Vigil.Portal.Hooks;

/// <summary>The decision path of the streamers' play and publish hooks, cached in memory.</summary>
public sealed class PlayAuthorizer
{
    /// <summary>Forgets every cached decision: after a camera, a right or a device changes.</summary>
    public void Invalidate()
    {
    }
}
