using Vigil.Protocol.Noise;

namespace Vigil.Relay;

/// <summary>
/// A node's secrets as it loaded them: its static key (agents pin its public half) and the bearer
/// token of its node API. A host that embeds the node reads them here, not from the files.
/// </summary>
public sealed record RelaySecrets(KeyPair StaticKey, string ApiToken, bool KeyCreated, bool ApiTokenCreated);
