using System.Text.Json.Serialization;
using Vigil.Portal.Auth;
using Vigil.Portal.CameraControl;
using Vigil.Portal.Cameras;
using Vigil.Portal.Data;
using Vigil.Portal.Devices;
using Vigil.Portal.Playback;
using Vigil.Portal.Relays;
using Vigil.Portal.Settings;
using Vigil.Portal.Streamers;

namespace Vigil.Portal.Api;

/// <summary>Every type the API reads or writes, serialized without reflection; snake_case like Watcher's API.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(Import.ImportResult))]
[JsonSerializable(typeof(User))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IReadOnlyList<User>))]
[JsonSerializable(typeof(Group))]
[JsonSerializable(typeof(IReadOnlyList<Group>))]
[JsonSerializable(typeof(IReadOnlyList<GroupMember>))]
[JsonSerializable(typeof(Camera))]
[JsonSerializable(typeof(IReadOnlyList<Camera>))]
[JsonSerializable(typeof(Playback.PlaybackAnswer))]
[JsonSerializable(typeof(ClipRequest))]
[JsonSerializable(typeof(ClipAnswer))]
[JsonSerializable(typeof(Streamer))]
[JsonSerializable(typeof(IReadOnlyList<Streamer>))]
[JsonSerializable(typeof(Device))]
[JsonSerializable(typeof(IReadOnlyList<Device>))]
[JsonSerializable(typeof(RelayRecord))]
[JsonSerializable(typeof(IReadOnlyList<RelayRecord>))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(ApiKeyRequest))]
[JsonSerializable(typeof(PasswordChange))]
[JsonSerializable(typeof(ApiKeyCreated))]
[JsonSerializable(typeof(IReadOnlyList<AuthService.ApiKeyInfo>))]
[JsonSerializable(typeof(UserInput))]
[JsonSerializable(typeof(GroupInput))]
[JsonSerializable(typeof(MemberInput))]
[JsonSerializable(typeof(CameraInput))]
[JsonSerializable(typeof(StreamerInput))]
[JsonSerializable(typeof(StreamerCreated))]
[JsonSerializable(typeof(BindInput))]
[JsonSerializable(typeof(ClaimInput))]
[JsonSerializable(typeof(StickerInput))]
[JsonSerializable(typeof(Protocol.Server.NodeCommand))]
[JsonSerializable(typeof(TunnelTokenInput))]
[JsonSerializable(typeof(TunnelTokenIssued))]
[JsonSerializable(typeof(RelayInput))]
[JsonSerializable(typeof(RelayRegistered))]
[JsonSerializable(typeof(Branding))]
[JsonSerializable(typeof(BrandingInput))]
[JsonSerializable(typeof(AuthSettings))]
[JsonSerializable(typeof(PtzMoveInput))]
[JsonSerializable(typeof(PtzZoomInput))]
[JsonSerializable(typeof(PtzPresetInput))]
[JsonSerializable(typeof(PtzPresetView))]
[JsonSerializable(typeof(PtzStatusView))]
[JsonSerializable(typeof(List<PtzPresetView>))]
[JsonSerializable(typeof(IReadOnlyList<PtzAuditEntry>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(CameraEvent))]
[JsonSerializable(typeof(IReadOnlyList<CameraEvent>))]
[JsonSerializable(typeof(CameraControl.EventWebhookInput))]
[JsonSerializable(typeof(CameraControl.EventWebhookView))]
[JsonSerializable(typeof(AgentRelease))]
[JsonSerializable(typeof(IReadOnlyList<AgentRelease>))]
[JsonSerializable(typeof(Rollout))]
[JsonSerializable(typeof(IReadOnlyList<Rollout>))]
[JsonSerializable(typeof(RolloutView))]
[JsonSerializable(typeof(Rollouts.RolloutInput))]
public sealed partial class PortalJsonContext : JsonSerializerContext;
