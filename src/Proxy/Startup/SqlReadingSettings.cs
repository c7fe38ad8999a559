using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Startup;

/// <summary>
/// The two server settings that decide how the server reads a statement's text. The gateway
/// parses statements as UTF-8 with standard-conforming strings; any other value on the server
/// would let one text mean one thing to the gateway and another to the server, so the gateway
/// asks for these values at login and ends a session whose server reports anything else.
/// </summary>
public static class SqlReadingSettings
{
    public const string ClientEncoding = "client_encoding";
    public const string StandardConformingStrings = "standard_conforming_strings";

    /// <summary>Sent in every upstream startup packet, overriding role or database defaults.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> Required =
    [
        new(ClientEncoding, "UTF8"),
        new(StandardConformingStrings, "on"),
    ];

    public static bool IsGoverned(string name) =>
        name.Equals(ClientEncoding, StringComparison.OrdinalIgnoreCase)
        || name.Equals(StandardConformingStrings, StringComparison.OrdinalIgnoreCase);

    /// <summary>False when the server reports a value the gateway cannot read SQL under.</summary>
    public static bool IsSafe(string name, string value) =>
        name.Equals(ClientEncoding, StringComparison.OrdinalIgnoreCase) ? SettingValues.IsUtf8(value)
        : !name.Equals(StandardConformingStrings, StringComparison.OrdinalIgnoreCase) || SettingValues.IsOn(value);

    /// <summary>Why a client's startup value of a governed setting is refused.</summary>
    public static string Refusal(string name, string value) =>
        name.Equals(ClientEncoding, StringComparison.OrdinalIgnoreCase)
            ? $"client_encoding \"{value}\" is not supported through the gateway; use UTF8"
            : $"{StandardConformingStrings} must be on through the gateway";
}
