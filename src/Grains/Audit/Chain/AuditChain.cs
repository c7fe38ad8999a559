using System.Security.Cryptography;

namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// Where a session's chain stands: the position the next event gets, the key for it (k_Next, kept
/// only in memory) and the hash it links to.
/// </summary>
public sealed record ChainHead(long NextPosition, byte[] NextKey, string LastHash)
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static ChainHead Start(ChainKey key, string sessionId) => new(1, key.First(sessionId), Genesis);

    /// <summary>The head after <paramref name="count"/> events ending in <paramref name="lastHash"/>: the key ratcheted from k_1 again.</summary>
    public static ChainHead After(ChainKey key, string sessionId, long count, string lastHash) =>
        new(count + 1, key.At(sessionId, count + 1), lastHash);
}

/// <summary>The chain's arithmetic, shared by the session grain (which links) and the replay tool's verify (which checks).</summary>
public static class AuditChain
{
    /// <summary>Hex of HMAC-SHA256(key, canonical ‖ bytes of prevHash).</summary>
    public static string Hash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> canonical, string prevHash)
    {
        var prev = Convert.FromHexString(prevHash);
        var input = new byte[canonical.Length + prev.Length];
        canonical.CopyTo(input);
        prev.CopyTo(input.AsSpan(canonical.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, input));
    }

    /// <summary>
    /// Links events onto the chain at <paramref name="head"/>: each gets its position, the previous
    /// hash and its own hash, and is serialised once, into the JSON that is both hashed and stored.
    /// Returns the linked events and the head after them; the caller keeps the new head only once
    /// the events are committed.
    /// </summary>
    public static (IReadOnlyList<LinkedEvent> Events, ChainHead Head) Link(ChainHead head, IEnumerable<ChainedEvent> events)
    {
        var linked = new List<LinkedEvent>();
        var (position, key, prev) = (head.NextPosition, head.NextKey, head.LastHash);
        foreach (var e in events)
        {
            var positioned = e with { Position = position, PrevHash = null, Hash = null };
            var json = ChainCanonical.JsonOf(positioned);
            var hash = Hash(key, ChainCanonical.Prefixed(e.GetType().Name, json), prev);
            linked.Add(new LinkedEvent(positioned with { PrevHash = prev, Hash = hash }, ChainCanonical.StoredJson(json, prev, hash)));
            (position, key, prev) = (position + 1, ChainKey.Next(key), hash);
        }

        return (linked, new ChainHead(position, key, prev));
    }
}
