using System.Collections.Concurrent;
using Vigil.Portal.Data;

namespace Vigil.Portal.Auth;

/// <summary>What a caller may do with one camera.</summary>
public readonly record struct CameraRights(bool View, bool Dvr, bool Ptz, bool Manage)
{
    public static readonly CameraRights None = default;
    public static readonly CameraRights All = new(true, true, true, true);
}

/// <summary>
/// The one place that decides a caller's rights on a camera. Staff (operators, admins) have every
/// right; the owner of a claimed camera has every right; a member of the camera's group has view and
/// the flags of the membership; anyone logged in views an authorized camera; anyone views a public
/// one. A disabled camera is viewable only by those who may manage it. Memberships are cached per
/// user for a few seconds, and dropped at once when this instance changes them.
/// </summary>
public sealed class CameraAccess(UserStore users, PortalOptions options)
{
    private readonly ConcurrentDictionary<long, (Dictionary<long, GroupMember> Groups, DateTimeOffset Until)> _memberships = new();

    public async ValueTask<CameraRights> RightsAsync(Caller caller, Camera camera)
    {
        if (caller.IsStaff)
        {
            return CameraRights.All;
        }
        if (caller.IsAuthenticated && camera.OwnerId == caller.UserId)
        {
            return CameraRights.All;
        }
        var rights = CameraRights.None;
        if (caller.IsAuthenticated && camera.GroupId is { } g && (await MembershipsAsync(caller.UserId).ConfigureAwait(false)).TryGetValue(g, out var m))
        {
            rights = new CameraRights(true, m.CanDvr, m.CanPtz, m.CanManage);
        }
        else if (camera.Access == CameraAccessLevels.Public || (camera.Access == CameraAccessLevels.Authorized && caller.IsAuthenticated))
        {
            rights = rights with { View = true };
        }
        if (!camera.Enabled && !rights.Manage)
        {
            return CameraRights.None;
        }
        return rights;
    }

    public void Invalidate(long? userId = null)
    {
        if (userId is { } id)
        {
            _memberships.TryRemove(id, out _);
        }
        else
        {
            _memberships.Clear();
        }
    }

    private async ValueTask<Dictionary<long, GroupMember>> MembershipsAsync(long userId)
    {
        var now = DateTimeOffset.UtcNow;
        if (_memberships.TryGetValue(userId, out var hit) && hit.Until > now)
        {
            return hit.Groups;
        }
        var groups = (await users.MembershipsAsync(userId).ConfigureAwait(false)).ToDictionary(m => m.GroupId);
        if (_memberships.Count > 100_000)
        {
            _memberships.Clear();
        }
        _memberships[userId] = (groups, now + TimeSpan.FromSeconds(options.DecisionCacheSeconds));
        return groups;
    }
}
