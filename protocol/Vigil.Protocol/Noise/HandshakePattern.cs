namespace Vigil.Protocol.Noise;

/// <summary>
/// A Noise handshake pattern (spec rev 34, §7): pre-messages, then messages that alternate between
/// initiator (index 0, 2, ...) and responder (1, 3, ...).
/// </summary>
/// <remarks>
/// The patterns are written below in the spec's own notation and parsed once, so each can be
/// checked against the specification by eye.
/// </remarks>
public sealed class HandshakePattern
{
    private static readonly Dictionary<string, HandshakePattern> s_byName = BuildTable();

    private HandshakePattern(
        string name,
        NoiseToken[] initiatorPreMessage,
        NoiseToken[] responderPreMessage,
        NoiseToken[][] messages,
        bool isOneWay)
    {
        Name = name;
        InitiatorPreMessageTokens = initiatorPreMessage;
        ResponderPreMessageTokens = responderPreMessage;
        MessageTokens = messages;
        // Read-only wrappers: the shared static instances must not be changeable through a cast.
        InitiatorPreMessage = Array.AsReadOnly(initiatorPreMessage);
        ResponderPreMessage = Array.AsReadOnly(responderPreMessage);
        var readOnlyMessages = new IReadOnlyList<NoiseToken>[messages.Length];
        for (int i = 0; i < messages.Length; i++)
        {
            readOnlyMessages[i] = Array.AsReadOnly(messages[i]);
            HasPsk |= Array.IndexOf(messages[i], NoiseToken.Psk) >= 0;
        }

        Messages = Array.AsReadOnly(readOnlyMessages);
        IsOneWay = isOneWay;
    }

    internal NoiseToken[] InitiatorPreMessageTokens { get; }

    internal NoiseToken[] ResponderPreMessageTokens { get; }

    internal NoiseToken[][] MessageTokens { get; }

    /// <summary>The pattern's name as it appears in the protocol name, e.g. "IK" or "XXpsk3".</summary>
    public string Name { get; }

    /// <summary>Keys the responder knows about the initiator beforehand ("-&gt;" lines before "...").</summary>
    public IReadOnlyList<NoiseToken> InitiatorPreMessage { get; }

    /// <summary>Keys the initiator knows about the responder beforehand ("&lt;-" lines before "...").</summary>
    public IReadOnlyList<NoiseToken> ResponderPreMessage { get; }

    /// <summary>The handshake messages; even indexes are sent by the initiator.</summary>
    public IReadOnlyList<IReadOnlyList<NoiseToken>> Messages { get; }

    /// <summary>One-way patterns (§7.4): only the initiator ever sends, including transport messages.</summary>
    public bool IsOneWay { get; }

    /// <summary>Whether any message carries a psk token, which changes how "e" is processed (§9.2).</summary>
    public bool HasPsk { get; }

    // §7.4 one-way patterns.
    public static HandshakePattern N => Get("N");

    public static HandshakePattern K => Get("K");

    public static HandshakePattern X => Get("X");

    // §7.5 fundamental interactive patterns.
    public static HandshakePattern NN => Get("NN");

    public static HandshakePattern NK => Get("NK");

    public static HandshakePattern NX => Get("NX");

    public static HandshakePattern XN => Get("XN");

    public static HandshakePattern XK => Get("XK");

    public static HandshakePattern XX => Get("XX");

    public static HandshakePattern KN => Get("KN");

    public static HandshakePattern KK => Get("KK");

    public static HandshakePattern KX => Get("KX");

    public static HandshakePattern IN => Get("IN");

    public static HandshakePattern IK => Get("IK");

    public static HandshakePattern IX => Get("IX");

    /// <summary>
    /// The pattern called <paramref name="name"/>: a fundamental or deferred pattern (§7.4–§7.6),
    /// optionally followed by psk modifiers joined with '+' (§9.3), e.g. "NNpsk0+psk2".
    /// </summary>
    public static HandshakePattern Parse(string name)
    {
        return TryParse(name, out HandshakePattern? pattern)
            ? pattern
            : throw new ArgumentException($"Unknown or malformed Noise handshake pattern '{name}'.", nameof(name));
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static bool TryParse(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HandshakePattern? pattern)
    {
        pattern = null;
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        int pskAt = name.IndexOf("psk", StringComparison.Ordinal);
        string baseName = pskAt < 0 ? name : name[..pskAt];
        if (!s_byName.TryGetValue(baseName, out HandshakePattern? basePattern))
        {
            return false;
        }

        if (pskAt < 0)
        {
            pattern = basePattern;
            return true;
        }

        var messages = new List<List<NoiseToken>>(basePattern.MessageTokens.Length);
        foreach (NoiseToken[] m in basePattern.MessageTokens)
        {
            messages.Add([.. m]);
        }

        int lastPosition = -1;
        foreach (string modifier in name[pskAt..].Split('+'))
        {
            // §9.3: psk0 puts a psk token at the start of the first message, pskN (N >= 1) at the
            // end of message N; modifiers are listed in increasing order and are not repeated.
            if (!modifier.StartsWith("psk", StringComparison.Ordinal)
                || modifier.Length == 3
                || !int.TryParse(modifier.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int position)
                || position <= lastPosition
                || position > messages.Count)
            {
                return false;
            }

            lastPosition = position;
            if (position == 0)
            {
                messages[0].Insert(0, NoiseToken.Psk);
            }
            else
            {
                messages[position - 1].Add(NoiseToken.Psk);
            }
        }

        var withPsk = new NoiseToken[messages.Count][];
        for (int i = 0; i < withPsk.Length; i++)
        {
            withPsk[i] = [.. messages[i]];
        }

        pattern = new HandshakePattern(
            name,
            basePattern.InitiatorPreMessageTokens,
            basePattern.ResponderPreMessageTokens,
            withPsk,
            basePattern.IsOneWay);
        return true;
    }

    public override string ToString() => Name;

    private static HandshakePattern Get(string name) => s_byName[name];

    // A plain Dictionary, not a FrozenDictionary: the agent links this, and the frozen collections
    // cost its binary more code than the table has entries.
    private static Dictionary<string, HandshakePattern> BuildTable()
    {
        (string Name, string Text)[] oneWay =
        [
            // §7.4
            ("N", "<- s | ... | -> e, es"),
            ("K", "-> s | <- s | ... | -> e, es, ss"),
            ("X", "<- s | ... | -> e, es, s, ss"),
        ];

        (string Name, string Text)[] interactive =
        [
            // §7.5 fundamental interactive patterns
            ("NN", "-> e | <- e, ee"),
            ("NK", "<- s | ... | -> e, es | <- e, ee"),
            ("NX", "-> e | <- e, ee, s, es"),
            ("XN", "-> e | <- e, ee | -> s, se"),
            ("XK", "<- s | ... | -> e, es | <- e, ee | -> s, se"),
            ("XX", "-> e | <- e, ee, s, es | -> s, se"),
            ("KN", "-> s | ... | -> e | <- e, ee, se"),
            ("KK", "-> s | <- s | ... | -> e, es, ss | <- e, ee, se"),
            ("KX", "-> s | ... | -> e | <- e, ee, se, s, es"),
            ("IN", "-> e, s | <- e, ee, se"),
            ("IK", "<- s | ... | -> e, es, s, ss | <- e, ee, se"),
            ("IX", "-> e, s | <- e, ee, se, s, es"),

            // §7.6 deferred patterns
            ("NK1", "<- s | ... | -> e | <- e, ee, es"),
            ("NX1", "-> e | <- e, ee, s | -> es"),
            ("X1N", "-> e | <- e, ee | -> s | <- se"),
            ("X1K", "<- s | ... | -> e, es | <- e, ee | -> s | <- se"),
            ("XK1", "<- s | ... | -> e | <- e, ee, es | -> s, se"),
            ("X1K1", "<- s | ... | -> e | <- e, ee, es | -> s | <- se"),
            ("X1X", "-> e | <- e, ee, s, es | -> s | <- se"),
            ("XX1", "-> e | <- e, ee, s | -> es, s, se"),
            ("X1X1", "-> e | <- e, ee, s | -> es, s | <- se"),
            ("K1N", "-> s | ... | -> e | <- e, ee | -> se"),
            ("K1K", "-> s | <- s | ... | -> e, es | <- e, ee | -> se"),
            ("KK1", "-> s | <- s | ... | -> e | <- e, ee, se, es"),
            ("K1K1", "-> s | <- s | ... | -> e | <- e, ee, es | -> se"),
            ("K1X", "-> s | ... | -> e | <- e, ee, s, es | -> se"),
            ("KX1", "-> s | ... | -> e | <- e, ee, se, s | -> es"),
            ("K1X1", "-> s | ... | -> e | <- e, ee, s | -> se, es"),
            ("I1N", "-> e, s | <- e, ee | -> se"),
            ("I1K", "<- s | ... | -> e, es, s | <- e, ee | -> se"),
            ("IK1", "<- s | ... | -> e, s | <- e, ee, se, es"),
            ("I1K1", "<- s | ... | -> e, s | <- e, ee, es | -> se"),
            ("I1X", "-> e, s | <- e, ee, s, es | -> se"),
            ("IX1", "-> e, s | <- e, ee, se, s | -> es"),
            ("I1X1", "-> e, s | <- e, ee, s | -> se, es"),
        ];

        var table = new Dictionary<string, HandshakePattern>(StringComparer.Ordinal);
        foreach (var (name, text) in oneWay)
        {
            table.Add(name, FromNotation(name, text, isOneWay: true));
        }

        foreach (var (name, text) in interactive)
        {
            table.Add(name, FromNotation(name, text, isOneWay: false));
        }

        return table;
    }

    // Lines are separated by '|'; "..." ends the pre-messages. Handshake messages must alternate
    // starting with "->", which every pattern in the specification does.
    private static HandshakePattern FromNotation(string name, string text, bool isOneWay)
    {
        string[] lines = text.Split('|', StringSplitOptions.TrimEntries);
        int dots = Array.IndexOf(lines, "...");
        var initiatorPre = new List<NoiseToken>();
        var responderPre = new List<NoiseToken>();
        for (int i = 0; i < dots; i++)
        {
            (bool fromInitiator, NoiseToken[] tokens) = ParseLine(lines[i]);
            (fromInitiator ? initiatorPre : responderPre).AddRange(tokens);
        }

        var messages = new List<NoiseToken[]>();
        for (int i = dots + 1; i < lines.Length; i++)
        {
            (bool fromInitiator, NoiseToken[] tokens) = ParseLine(lines[i]);
            if (fromInitiator != (messages.Count % 2 == 0))
            {
                throw new InvalidOperationException($"Pattern {name} does not alternate directions.");
            }

            messages.Add(tokens);
        }

        return new HandshakePattern(name, [.. initiatorPre], [.. responderPre], [.. messages], isOneWay);
    }

    private static (bool FromInitiator, NoiseToken[] Tokens) ParseLine(string line)
    {
        bool fromInitiator = line.StartsWith("->", StringComparison.Ordinal);
        string[] names = line[2..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var tokens = new NoiseToken[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            tokens[i] = names[i] switch
            {
                "e" => NoiseToken.E,
                "s" => NoiseToken.S,
                "ee" => NoiseToken.EE,
                "es" => NoiseToken.ES,
                "se" => NoiseToken.SE,
                "ss" => NoiseToken.SS,
                "psk" => NoiseToken.Psk,
                var t => throw new InvalidOperationException($"Unknown token '{t}'."),
            };
        }

        return (fromInitiator, tokens);
    }
}
