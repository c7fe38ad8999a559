using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Append;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;

namespace OrleansGate.Grains.Audit.Verification;

/// <summary>What verify accepts as a finished session without a seal, and what it compares against.</summary>
public sealed record VerifyRules(TimeSpan StaleAfter, bool RequireSeal, DateTimeOffset Now, IReadOnlyDictionary<string, ChainHeadRecord>? Heads = null)
{
    /// <summary>A session without a seal and no event for this long is ended by failure, not open (verify's --stale-after default).</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromHours(24);
}

/// <summary>
/// Recomputes one session's chain from the stored rows and finds its first broken link
/// (docs/audit-integrity.md). Rows are walked in stream version order; each is checked on its own
/// (its HMAC with k_Position over its canonical bytes and the Hash of a row at the position before
/// it, or the PrevHash that rows written by releases up to 2026-12-07 store), then against the chain so far,
/// and the kind of break follows from how the two disagree.
/// </summary>
public sealed class ChainVerifier(ChainKey key)
{
    /// <summary>
    /// Marten's event type names (snake case of the class name) to the event types: their class
    /// names are what the canonical bytes use, and the types what the tools read the rows as.
    /// </summary>
    private static readonly Dictionary<string, Type> EventTypes =
        AuditStore.EventTypes.ToDictionary(t => SnakeCase(t.Name), StringComparer.Ordinal);

    /// <summary>
    /// What Marten writes to <c>mt_dotnet_type</c> for each event type name (the audit writer leaves
    /// it NULL; records written through Marten have it). Marten reads an event as that .NET type
    /// when it does not know the type name, so a row whose two disagree shows the tools something
    /// else than verify checked.
    /// </summary>
    private static readonly Dictionary<string, string> DotnetTypes =
        AuditStore.EventTypes.ToDictionary(t => SnakeCase(t.Name), MartenEventTables.DotNetTypeName, StringComparer.Ordinal);

    /// <summary>What the tools read the events with: a row that verifies but that they cannot read would break every timeline of its session.</summary>
    private static readonly Marten.ISerializer Reader = AuditStore.EventSerializer();

    private static readonly HashSet<string> ApprovalSteps =
        [nameof(ApprovalGranted), nameof(ApprovalDenied), nameof(ApprovalExpired), nameof(ApprovalWithdrawn)];

    /// <summary>
    /// One row as checked on its own. <see cref="PrevHash"/>: the hash it links to (stored, or the
    /// row before's that it verifies with). <see cref="Orphan"/>: no row holds the position before
    /// it, so it cannot be checked on its own; where it stands tells what happened.
    /// </summary>
    private sealed record Link(StoredEvent Row, string? TypeName, long Position, string? PrevHash, string? Hash, bool Valid, string? Reason,
        bool Orphan = false);

    public SessionVerdict Verify(StoredStream stream, VerifyRules rules)
    {
        var id = stream.SessionId;
        var count = stream.Events.Count;
        var head = rules.Heads?.GetValueOrDefault(id);
        if (count == 0)
        {
            return SessionVerdict.Broken(id, 0, head is null ? BreakKind.Truncated : BreakKind.Deleted, 1,
                "the stream has no events left" + (stream.StreamVersion is { } v ? $" (mt_streams says {v})" : string.Empty));
        }

        if (stream.Archived)
        {
            return SessionVerdict.Broken(id, count, BreakKind.Hidden, 1, "the stream is marked archived in mt_streams: the tools do not show it");
        }

        var keys = new KeyRatchet(key, id, maxPosition: (2 * count) + 16);
        var rows = stream.Events.Select(Read).ToList();
        var hashesAt = rows.Where(r => r.Hash is not null).ToLookup(r => r.Position, r => r.Hash!);
        var links = rows.Select(row => Check(row, keys, hashesAt)).ToList();
        // Where each position verifies, by row index: "does the genuine event p come later?" in O(1).
        var validAt = links.Select((link, index) => (link, index)).Where(x => x.link.Valid).ToLookup(x => x.link.Position, x => x.index);
        var expected = 1L;
        var prev = ChainHead.Genesis;
        Link? seal = null;
        Link? last = null;
        for (var i = 0; i < links.Count; i++)
        {
            var link = links[i];
            var at = $"stream version {link.Row.Version}";
            if (link.Hash is null || link.Position < 1)
            {
                return SessionVerdict.Broken(id, count, BreakKind.Unchained, expected, $"{at}: {link.TypeName ?? link.Row.Type} has no chain fields");
            }

            if (link.Row.Archived)
            {
                return SessionVerdict.Broken(id, count, BreakKind.Hidden, link.Position,
                    $"{at}: {link.TypeName ?? link.Row.Type} is marked archived in mt_events: the tools do not show it");
            }

            if (link.TypeName is not null && link.Row.DotnetType is not null && link.Row.DotnetType != DotnetTypes[link.Row.Type])
            {
                return SessionVerdict.Broken(id, count, BreakKind.Modified, link.Position,
                    $"{at}: its mt_dotnet_type '{link.Row.DotnetType}' is not the type of {link.TypeName}: the tools would read it as another event");
            }

            var laterValid = validAt[expected].Any(index => index > i);
            if (!link.Valid && !link.Orphan)
            {
                // A row that does not verify says nothing true, its position included: the chain breaks where it stands.
                var fits = link.Position == expected && (link.PrevHash is null || link.PrevHash == prev);
                return fits && !laterValid
                    ? SessionVerdict.Broken(id, count, BreakKind.Modified, expected, $"{at}: {link.TypeName ?? link.Row.Type} {link.Reason}")
                    : SessionVerdict.Broken(id, count, BreakKind.Inserted, expected,
                        $"{at}: {link.TypeName ?? link.Row.Type} claiming position {link.Position} {link.Reason}" +
                        (laterValid ? $"; the genuine event {expected} follows it" : string.Empty));
            }

            if (link.Position > expected)
            {
                return laterValid
                    ? SessionVerdict.Broken(id, count, BreakKind.Reordered, expected,
                        $"{at} holds position {link.Position}; position {expected} comes later in the stream")
                    : SessionVerdict.Broken(id, count, BreakKind.Deleted, expected,
                        link.Position == expected + 1
                            ? $"position {expected} is missing ({at} is position {link.Position})"
                            : $"positions {expected}..{link.Position - 1} are missing ({at} is position {link.Position})");
            }

            if (link.Position < expected)
            {
                return SessionVerdict.Broken(id, count, BreakKind.Inserted, link.Position,
                    $"{at}: a second copy of position {link.Position} ({link.TypeName})");
            }

            if (link.PrevHash != prev)
            {
                return SessionVerdict.Broken(id, count, BreakKind.Modified, link.Position,
                    $"{at}: verifies on its own but does not link to position {expected - 1}");
            }

            // A refused login's only event is its own seal: nothing may follow it.
            if (link.TypeName is nameof(SessionEnded) or nameof(LoginRefused))
            {
                seal ??= link;
            }
            else if (seal is not null && !ApprovalSteps.Contains(link.TypeName ?? string.Empty))
            {
                return SessionVerdict.Broken(id, count, BreakKind.Inserted, link.Position, $"{at}: {link.TypeName} after the seal");
            }

            prev = link.Hash;
            expected++;
            last = link;
        }

        var lastPosition = last!.Position;
        if (stream.StreamVersion is { } streamVersion && streamVersion > last.Row.Version)
        {
            return SessionVerdict.Broken(id, count, BreakKind.Truncated, lastPosition + 1,
                $"mt_streams says version {streamVersion}, the last event left is version {last.Row.Version}");
        }

        if (head is not null)
        {
            if (head.Position > lastPosition)
            {
                return SessionVerdict.Broken(id, count, head.Sealed && seal is null ? BreakKind.MissingSeal : BreakKind.Truncated, lastPosition + 1,
                    $"the exported heads saw position {head.Position}{(head.Sealed ? " (sealed)" : string.Empty)}; the stream ends at {lastPosition}");
            }

            var atHead = links.First(l => l.Position == head.Position);
            if (!string.Equals(atHead.Hash, head.Hash, StringComparison.OrdinalIgnoreCase))
            {
                return SessionVerdict.Broken(id, count, BreakKind.Rewritten, head.Position,
                    $"position {head.Position} verifies but its hash is not the exported head's: the stream was rewritten with the key");
            }
        }

        var verdict = new SessionVerdict(id, SessionStatus.Sealed, count, lastPosition, last.Hash, seal is not null);
        // A gateway's policy stream (PolicyVersionRecorded only) goes on for as long as the gateway
        // does: it has no seal to miss, and its head is what --export-heads keeps.
        if (id.StartsWith(PolicyVersionRecorded.StreamPrefix, StringComparison.Ordinal) && links.All(l => l.TypeName == nameof(PolicyVersionRecorded)))
        {
            return verdict with { Status = SessionStatus.PolicyLedger, Detail = $"policy versions recorded: {count}" };
        }

        if (seal is { TypeName: nameof(LoginRefused) })
        {
            var refused = Json(seal.Row).TryGetProperty(nameof(LoginRefused.Reason), out var why) ? why.GetString() : null;
            return verdict with { Detail = $"login refused: {refused}" };
        }

        if (seal is not null)
        {
            var reason = Json(seal.Row).TryGetProperty(nameof(SessionEnded.Reason), out var r) ? r.GetString() : null;
            return reason?.StartsWith("failure:", StringComparison.Ordinal) == true
                ? verdict with { Status = SessionStatus.EndedByFailure, Detail = reason }
                : verdict;
        }

        // Completions are written with the next decision (which ends in a decision) or with
        // SessionEnded, in one commit: a stream that ends in one lost what came after it.
        if (last.TypeName == nameof(StatementCompleted))
        {
            return verdict with
            {
                Status = SessionStatus.Tampered, Kind = BreakKind.MissingSeal, Position = lastPosition + 1,
                Detail = "ends with StatementCompleted, which is only ever last when SessionEnded follows it in the same commit",
            };
        }

        // The chained At, not mt_events.timestamp: that column is outside the chain, and set in the
        // future it would keep a session "open" past --require-seal.
        var lastAt = AtOf(last.Row);
        var age = lastAt is { } t ? rules.Now - t : TimeSpan.MaxValue;
        if (age < rules.StaleAfter)
        {
            return verdict with { Status = SessionStatus.Open, Detail = $"no seal yet; last event {Age(age)} ago" };
        }

        return rules.RequireSeal
            ? verdict with
            {
                Status = SessionStatus.Tampered, Kind = BreakKind.MissingSeal, Position = lastPosition + 1,
                Detail = $"no seal and no event for {Age(age)} (--require-seal)",
            }
            : verdict with { Status = SessionStatus.Unsealed, Detail = $"no seal and no event for {Age(age)}: a crash, or a clean truncation" };
    }

    /// <summary>A row's chain fields as stored, before any check.</summary>
    private sealed record ReadRow(StoredEvent Row, string? TypeName, JsonElement? Json, long Position, string? StoredPrevHash, string? Hash);

    private static ReadRow Read(StoredEvent row)
    {
        var typeName = EventTypes.GetValueOrDefault(row.Type)?.Name;
        JsonElement json;
        try
        {
            json = Json(row);
        }
        catch (JsonException)
        {
            return new ReadRow(row, typeName, null, 0, null, null);
        }

        var position = json.TryGetProperty(nameof(ChainedEvent.Position), out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var n) ? n : 0;
        var prevHash = json.TryGetProperty(ChainedEvent.StoredPrevHash, out var ph) ? (ph.ValueKind == JsonValueKind.String ? ph.GetString() : string.Empty) : null;
        var hash = json.TryGetProperty(nameof(ChainedEvent.Hash), out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
        return new ReadRow(row, typeName, json, position, prevHash, IsHash(hash) ? hash!.ToLowerInvariant() : hash);
    }

    private Link Check(ReadRow read, KeyRatchet keys, ILookup<long, string> hashesAt)
    {
        var (row, typeName, position, hash) = (read.Row, read.TypeName, read.Position, read.Hash);
        if (read.Json is not { } json)
        {
            return new Link(row, typeName, 0, null, null, false, "is not JSON");
        }

        if (typeName is null)
        {
            return new Link(row, null, position, read.StoredPrevHash, hash, false, $"has an unknown event type '{row.Type}'");
        }

        if (!IsHash(hash) || position < 1 || (read.StoredPrevHash is { } stored && !IsHash(stored)) || keys.At(position) is not { } k)
        {
            return new Link(row, typeName, position, read.StoredPrevHash, hash, false, "has malformed chain fields");
        }

        // A row written by a release up to 2026-12-07 names the hash it links to; a later one links to the row before it.
        var prevs = read.StoredPrevHash is { } named ? [named.ToLowerInvariant()]
            : position == 1 ? [ChainHead.Genesis]
            : hashesAt[position - 1].Where(IsHash).Distinct(StringComparer.Ordinal).ToList();
        if (prevs.Count == 0)
        {
            return new Link(row, typeName, position, null, hash, false, $"cannot be checked: no row holds position {position - 1}", Orphan: true);
        }

        var canonical = ChainCanonical.Of(typeName, json);
        foreach (var prev in prevs)
        {
            if (string.Equals(AuditChain.Hash(k, canonical, prev), hash, StringComparison.Ordinal))
            {
                // The chain's canonical form reads a null as an absent key; Marten does not, for a
                // flag or a number: such a row verifies, yet the tools could not read it.
                return ReadableByTheTools(row) is { } unreadable
                    ? new Link(row, typeName, position, prev, hash, false, $"verifies, but the tools cannot read it ({unreadable})")
                    : new Link(row, typeName, position, prev, hash, true, null);
            }
        }

        return new Link(row, typeName, position, read.StoredPrevHash?.ToLowerInvariant(), hash, false,
            "does not verify (its content or chain fields were changed)");
    }

    /// <summary>Null when Marten reads the row as its event type; else why not.</summary>
    private static string? ReadableByTheTools(StoredEvent row)
    {
        try
        {
            using var data = new MemoryStream(Encoding.UTF8.GetBytes(row.Data));
            return Reader.FromJson(EventTypes[row.Type], data) is null ? "it reads as null" : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return e.Message;
        }
    }

    private static JsonElement Json(StoredEvent row)
    {
        using var document = JsonDocument.Parse(row.Data);
        return document.RootElement.Clone();
    }

    private static DateTimeOffset? AtOf(StoredEvent row) =>
        Json(row).TryGetProperty("At", out var at) && at.ValueKind == JsonValueKind.String && at.TryGetDateTimeOffset(out var t) ? t : null;

    /// <summary>A chain hash as stored: 32 bytes in hex.</summary>
    private static bool IsHash(string? s) => s is { Length: 64 } && s.All(Uri.IsHexDigit);

    private static string Age(TimeSpan age) => age == TimeSpan.MaxValue ? "an unknown time"
        : age.TotalDays >= 1 ? $"{age.TotalDays:0.#} d" : age.TotalHours >= 1 ? $"{age.TotalHours:0.#} h"
        : age.TotalMinutes >= 1 ? $"{age.TotalMinutes:0.#} min" : $"{Math.Max(0, age.TotalSeconds):0} s";

    /// <summary>Marten's default event type name: "StatementReceived" → "statement_received".</summary>
    public static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLower(name[i], CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    /// <summary>k_1, k_2, … of one session, ratcheted once and kept for the walk; none beyond a bound a forged position could push.</summary>
    private sealed class KeyRatchet(ChainKey key, string sessionId, long maxPosition)
    {
        private readonly List<byte[]> _keys = [key.First(sessionId)];

        public byte[]? At(long position)
        {
            if (position < 1 || position > maxPosition)
            {
                return null;
            }

            while (_keys.Count < position)
            {
                _keys.Add(ChainKey.Next(_keys[^1]));
            }

            return _keys[(int)position - 1];
        }
    }
}
