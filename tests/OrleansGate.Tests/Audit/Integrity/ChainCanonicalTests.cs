using System.Text.Json;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using Xunit;

namespace OrleansGate.Tests.Audit.Integrity;

/// <summary>The canonical bytes survive what jsonb does to the stored text; the ratchet is what the docs say.</summary>
public sealed class ChainCanonicalTests
{
    [Fact]
    public void Key_order_escaping_whitespace_and_nulls_do_not_change_the_canonical_bytes()
    {
        var written = JsonDocument.Parse("""{"b":"<tag> é","a":[1,null,"x"],"Hash":"ff","PrevHash":"00","n":null,"c":{"z":true,"y":12}}""");
        var stored = JsonDocument.Parse("""{"a": [1, null, "x"], "b": "\u003Ctag\u003E \u00e9", "c": {"y": 12, "z": true}, "Hash": "00"}""");

        Assert.Equal(ChainCanonical.Of("T", written.RootElement), ChainCanonical.Of("T", stored.RootElement));
        Assert.Equal("T\n{\"a\":[1,null,\"x\"],\"b\":\"<tag> é\",\"c\":{\"y\":12,\"z\":true}}"u8.ToArray(), ChainCanonical.Of("T", written.RootElement));
    }

    [Fact]
    public void A_linked_event_verifies_from_its_json_and_the_type_name_is_part_of_the_bytes()
    {
        var key = new ChainKey(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var (events, head) = AuditChain.Link(ChainHead.Start(key, "s1"),
            [new SessionEnded("s1", "client session ended", 0, DateTimeOffset.UnixEpoch), new SessionEnded("s1", "again", 0, DateTimeOffset.UnixEpoch)]);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(events[1], events[1].GetType(), ChainCanonical.Options));
        Assert.Equal(2, events[1].Position);
        Assert.Equal(events[0].Hash, events[1].PrevHash);
        Assert.Equal(events[1].Hash, AuditChain.Hash(key.At("s1", 2), ChainCanonical.Of(nameof(SessionEnded), json.RootElement), events[0].Hash!));
        Assert.NotEqual(events[1].Hash, AuditChain.Hash(key.At("s1", 2), ChainCanonical.Of(nameof(SessionStarted), json.RootElement), events[0].Hash!));
        Assert.Equal(3, head.NextPosition);
        Assert.Equal(ChainKey.Next(ChainKey.Next(key.First("s1"))), head.NextKey);
        Assert.NotEqual(key.First("s1"), key.First("s2"));
    }
}
