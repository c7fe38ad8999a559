using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

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
    /// Links events onto the chain at <paramref name="head"/>: each gets its position and its own
    /// hash (over the previous one's), and is serialised once, into the JSON that is both hashed and stored.
    /// Returns the linked events and the head after them; the caller keeps the new head only once
    /// the events are committed.
    /// </summary>
    /// <remarks>
    /// Every statement's event goes through here, so it works in buffers of the thread's own
    /// (<see cref="LinkBuffers"/>; nothing in it awaits): the type name, the canonical JSON and the
    /// previous hash's bytes are written one after the other and hashed where they lie, and the
    /// stored JSON is made into a string once. The bytes hashed are those of
    /// <see cref="Hash"/>(key, <see cref="ChainCanonical.Of(ChainedEvent)"/>, prev), which verify uses.
    /// </remarks>
    public static (IReadOnlyList<LinkedEvent> Events, ChainHead Head) Link(ChainHead head, IEnumerable<ChainedEvent> events)
    {
        var buffers = LinkBuffers.OfThisThread;
        var linked = new List<LinkedEvent>();
        var (position, key, prev) = (head.NextPosition, head.NextKey, head.LastHash);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var e in events)
        {
            var positioned = e with { Position = position, Hash = null };

            // UTF-8(type name) ‖ 0x0A ‖ canonical JSON ‖ bytes of the previous hash: the HMAC's input, contiguous.
            var input = buffers.Input;
            input.ResetWrittenCount();
            var typeName = e.GetType().Name;
            input.Advance(Encoding.UTF8.GetBytes(typeName, input.GetSpan(Encoding.UTF8.GetMaxByteCount(typeName.Length))));
            input.Write("\n"u8);
            var jsonStart = input.WrittenCount;
            ChainCanonical.WriteJson(positioned, buffers.Writer, input);
            var jsonEnd = input.WrittenCount;
            if (Convert.FromHexString(prev, input.GetSpan(HashBytes), out _, out var prevBytes) != OperationStatus.Done || prevBytes != HashBytes)
            {
                throw new InvalidOperationException($"the chain's previous hash is not {HashBytes} bytes in hex");
            }

            input.Advance(HashBytes);
            HMACSHA256.HashData(key, input.WrittenSpan, mac);
            var hash = Convert.ToHexStringLower(mac);

            linked.Add(new LinkedEvent(positioned with { Hash = hash }, StoredJson(buffers.Stored, input.WrittenSpan[jsonStart..jsonEnd], hash)));
            (position, key, prev) = (position + 1, ChainKey.Next(key), hash);
        }

        return (linked, new ChainHead(position, key, prev));
    }

    private const int HashBytes = 32;

    // The canonical JSON with Hash added as its last property (ChainCanonical.StoredJson, in a reused buffer).
    private static string StoredJson(ArrayBufferWriter<byte> stored, ReadOnlySpan<byte> canonicalJson, string hash)
    {
        stored.ResetWrittenCount();
        stored.Write(canonicalJson[..^1]);
        if (canonicalJson.Length > 2)
        {
            stored.Write(","u8);
        }

        stored.Write("\"Hash\":\""u8);
        stored.Advance(Encoding.ASCII.GetBytes(hash, stored.GetSpan(hash.Length)));
        stored.Write("\"}"u8);
        return Encoding.UTF8.GetString(stored.WrittenSpan);
    }

    /// <summary>The buffers <see cref="Link"/> writes in, one set per thread, kept while they stay small.</summary>
    private sealed class LinkBuffers
    {
        private const int KeptBytes = 64 * 1024;

        [ThreadStatic]
        private static LinkBuffers? t_buffers;

        public ArrayBufferWriter<byte> Input { get; private set; } = new(2048);

        public ArrayBufferWriter<byte> Stored { get; private set; } = new(2048);

        public Utf8JsonWriter Writer { get; } = new(new ArrayBufferWriter<byte>(1), ChainCanonical.CanonicalWriterOptions);

        public static LinkBuffers OfThisThread
        {
            get
            {
                var buffers = t_buffers ??= new LinkBuffers();
                // A huge event (a long statement) would otherwise pin its buffers to the thread for good.
                if (buffers.Input.Capacity > KeptBytes)
                {
                    buffers.Input = new ArrayBufferWriter<byte>(2048);
                }

                if (buffers.Stored.Capacity > KeptBytes)
                {
                    buffers.Stored = new ArrayBufferWriter<byte>(2048);
                }

                return buffers;
            }
        }
    }
}
