using System.Text.Json;

namespace Vigil.Protocol.Server;

/// <summary>
/// POST /v1/sessions/{device}/commands, to a relay node (the portal sends it for the operators'
/// commands and the assignments): the command goes to the agent on stream 0 and its result comes
/// back as <see cref="NodeCommandAnswer"/>.
/// </summary>
/// <param name="Args">The command's arguments as JSON (the assign command's are an <see cref="Control.AssignCommand"/>).</param>
/// <param name="TimeoutMs">How long to wait for the agent; the node's default when absent.</param>
public sealed record NodeCommand(string? Name, JsonElement? Args, int? TimeoutMs);

/// <summary>The agent's result of a <see cref="NodeCommand"/>, with the round trip the node measured.</summary>
public sealed record NodeCommandAnswer(bool Ok, string? Error, JsonElement? Result, double RoundTripMs);
