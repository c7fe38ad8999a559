using System.Text.Json.Serialization;

namespace OrleansGate.Grains.Audit.Verification;

/// <summary>
/// Where one session's chain stood when the heads were exported: one JSON line of the file
/// <c>verify --export-heads FILE</c> writes and <c>--against-heads FILE</c> reads, e.g.
/// <c>{"session":"…","position":12,"hash":"…","sealed":true,"exportedAt":"…"}</c>.
/// </summary>
public sealed record ChainHeadRecord(
    [property: JsonPropertyName("session")] string Session,
    [property: JsonPropertyName("position")] long Position,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("sealed")] bool Sealed,
    [property: JsonPropertyName("exportedAt")] DateTimeOffset ExportedAt);
