namespace Vigil.Protocol.Server;

/// <summary>
/// POST /internal/v1/hello, from a relay node to the portal: a device has opened a session. Every
/// field is nullable because the portal checks each and answers 400 with the one that is wrong.
/// </summary>
/// <param name="PublicKey">The device's static X25519 key (base64); the device id derives from it.</param>
/// <param name="Address">The camera's local address, as the agent says.</param>
/// <param name="Source">The agent's public address as the relay sees it (the enrolment policy's per-address cap).</param>
/// <param name="EnrollToken">The enrolment token from the agent's config, if any.</param>
/// <param name="Rid">The runtime the agent was built for (linux-arm64...).</param>
public sealed record NodeHello(string? DeviceId, string? PublicKey, string? Serial, string? Model, string? Firmware, string? AgentVersion, string? Address,
    string? Source = null, string? EnrollToken = null, string? Rid = null);

/// <summary>
/// The portal's answer to <see cref="NodeHello"/>: the device's state ("pending", "approved",
/// "rejected", "revoked", or "refused" by the enrolment policy) and, when it is approved and bound to
/// a camera on a streamer, the assignment the node passes on to the agent as an "assign" command.
/// </summary>
public sealed record NodeHelloAnswer(string DeviceId, string State, Control.AssignCommand? Assignment);
