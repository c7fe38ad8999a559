using System.Text.Json;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;
using Xunit;

namespace OrleansGate.Tests.Grains.Audit.Chain;

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
        var (linked, head) = AuditChain.Link(ChainHead.Start(key, "s1"),
            [new SessionEnded("s1", "client session ended", 0, DateTimeOffset.UnixEpoch), new SessionEnded("s1", "again", 0, DateTimeOffset.UnixEpoch)]);
        var events = linked.Select(l => l.Event).ToList();

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(events[1], events[1].GetType(), ChainCanonical.Options));
        Assert.Equal(2, events[1].Position);
        Assert.Equal(events[1].Hash, AuditChain.Hash(key.At("s1", 2), ChainCanonical.Of(nameof(SessionEnded), json.RootElement), events[0].Hash!));
        Assert.NotEqual(events[1].Hash, AuditChain.Hash(key.At("s1", 2), ChainCanonical.Of(nameof(SessionStarted), json.RootElement), events[0].Hash!));
        Assert.Equal(3, head.NextPosition);
        Assert.Equal(ChainKey.Next(ChainKey.Next(key.First("s1"))), head.NextKey);
        Assert.NotEqual(key.First("s1"), key.First("s2"));
    }

    private static readonly DateTimeOffset At = new(2026, 12, 6, 20, 1, 2, 345, TimeSpan.Zero);

    /// <summary>One of every event type, with nulls, empty and nested lists, escapes and non-ASCII text.</summary>
    private static IReadOnlyList<ChainedEvent> EveryShape() =>
    [
        new SessionStarted("s", "alice", ["analysts", "é"], "main", null, "psql \"x\" <tab>\t", true, At) { Proxy = null },
        new SessionStarted("s", "dana", ["analysts"], "main", "127.0.0.1:5", "ci", true, At)
        {
            Proxy = "host/1/ab", Token = new LoginToken("https://issuer.example/", "dana", "jti-1", At.AddMinutes(5)),
        },
        new LoginRefused("s", "gil", "main", "127.0.0.1:6", null, false, "the token has expired", At)
        {
            Claimed = new LoginToken("https://issuer.example/", "gil", null, At.AddMinutes(-1)), Proxy = "host/1/ab",
        },
        new StatementReceived("s", 1, StatementPhase.Execute, "SELECT $1, 'ü' /* </script> */", StatementKind.Select, [StatementKind.Select, StatementKind.Other],
            "SELECT", "fp", ["public.t"], [], ["lower"], ["public.t.a"], ["1", null, "\u0000"], null, At),
        new DecisionMade("s", 1, PolicyAction.Mask, "masks", null, null, [new MaskedColumnUse("public.t.ssn", MaskReason.Origin)], At)
        {
            UsesMaskedColumnInPredicate = true,
        },
        new StatementCompleted("s", 1, OutcomeKind.Completed, "SELECT 2", 2, null, null, At)
        {
            MaskedValues = [new MaskedValueCount("public.t.ssn", 2)],
            Preview = new ResultPreview(["a", "ssn"], [["1", "***"], [null, "x\"y"]], true),
            CopyIn = new CopyInput(10, 2, "ab", false),
        },
        new StatementDecided(2, StatementPhase.Query, "SELECT ssn FROM t WHERE a = 'é'", StatementKind.Select, [StatementKind.Select],
            "SELECT", "fp2", ["public.t"], [], [], ["public.t.ssn"], [], null, PolicyAction.Mask, "masks", null, null,
            [new MaskedColumnUse("public.t.ssn", MaskReason.Origin)], At)
        {
            UsesMaskedColumnInPredicate = true,
            Completed =
            [
                new CompletedStatement(1, OutcomeKind.Completed, "SELECT 2", 2, null, null, At)
                {
                    MaskedValues = [new MaskedValueCount("public.t.ssn", 2)],
                    Preview = new ResultPreview(["a", "ssn"], [["1", "***"], [null, "x\"y"]], true),
                },
                new CompletedStatement(0, OutcomeKind.Failed, null, null, "42P01", "no \"t\"", At) { CopyIn = new CopyInput(10, 2, "ab", true) },
            ],
        },
        new SessionEnded("s", "client closed", 1, At),
        new ApprovalRequested("s", "ap", "alice", "main", [1, 2], "hold", ["approvers"], 2, At.AddMinutes(5), "fp", At),
        new ApprovalGranted("s", "ap", "bob", null, TimeSpan.FromMinutes(3), 1, false, At) { WindowUntil = At.AddMinutes(3) },
        new ApprovalDenied("s", "ap", "bob", "no", At),
        new ApprovalExpired("s", "ap", At, 0, At),
        new ApprovalWithdrawn("s", "ap", "client left", At),
        new PolicyVersionRecorded("policies:svc", 2, 1, null, "erin", "block TRUNCATE", ["rule 'no-truncate' added"], new string('a', 64), At),
    ];

    /// <summary>The top-level properties that are empty arrays or false, removed.</summary>
    private static JsonElement WithoutEmpty(JsonElement json)
    {
        // And a statement's Kinds when its only kind is its Kind.
        var onlyKind = json.TryGetProperty("Kinds", out var kinds) && kinds.ValueKind == JsonValueKind.Array && kinds.GetArrayLength() == 1
                       && json.TryGetProperty("Kind", out var kind) && kinds[0].GetString() == kind.GetString();
        var kept = json.EnumerateObject()
            .Where(p => p.Value.ValueKind != JsonValueKind.False && !(p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 0))
            .Where(p => !(onlyKind && p.Name == "Kinds"))
            .ToDictionary(p => p.Name, p => p.Value);
        return JsonSerializer.SerializeToElement(kept);
    }

    [Fact]
    public void A_statement_is_stored_without_its_empty_lists_false_flags_and_implied_kinds_and_reads_back_whole()
    {
        var decided = new StatementDecided(1, StatementPhase.Query, "SELECT 1", StatementKind.Select, [StatementKind.Select], "SelectStmt", "fp",
            [], [], [], [], [], null, PolicyAction.Allow, "default:allow", null, null, [], At)
        {
            Completed = [new CompletedStatement(0, OutcomeKind.Completed, "SELECT 1", 1, null, null, At) { Preview = new ResultPreview(["a"], [["1"]], false) }],
        };

        var stored = JsonDocument.Parse(ChainCanonical.StoredJson(decided)).RootElement;
        var names = stored.EnumerateObject().Select(p => p.Name).ToList();
        Assert.DoesNotContain("RelationsRead", names);
        Assert.DoesNotContain("Parameters", names);
        Assert.DoesNotContain("MaskedColumns", names);
        Assert.DoesNotContain("UsesMaskedColumnInPredicate", names);
        Assert.DoesNotContain("ParseError", names); // null: left out as every null is
        // What the row already says (its stream id) or what adds nothing: the only kind is Kind, the preview had no more rows.
        Assert.DoesNotContain("SessionId", names);
        Assert.DoesNotContain("SchemaVersion", names);
        Assert.DoesNotContain("Kinds", names);
        Assert.False(stored.GetProperty("Completed")[0].GetProperty("Preview").TryGetProperty("More", out _));
        // Instants in UTC with a Z, not +00:00.
        Assert.Equal("2026-12-06T20:01:02.345Z", stored.GetProperty("At").GetString());

        var read = stored.Deserialize<StatementDecided>(ChainCanonical.Options)!;
        Assert.Empty(read.RelationsRead);
        Assert.Empty(read.Parameters);
        Assert.Empty(read.MaskedColumns);
        Assert.False(read.UsesMaskedColumnInPredicate);
        Assert.Equal([StatementKind.Select], read.Kinds); // read back whole
        Assert.Equal([StatementKind.Select], read.AsReceived("s9").Kinds);
        Assert.Equal("s9", read.AsReceived("s9").SessionId);
        Assert.Equal(At, read.At);
        Assert.False(read.Completed![0].Preview!.More);

        // A query of more than one kind keeps them all.
        var two = decided with { Kinds = [StatementKind.Insert, StatementKind.Select], Kind = StatementKind.Insert };
        var storedTwo = JsonDocument.Parse(ChainCanonical.StoredJson(two)).RootElement;
        Assert.Equal(["Insert", "Select"], storedTwo.GetProperty("Kinds").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal([StatementKind.Insert, StatementKind.Select], storedTwo.Deserialize<StatementDecided>(ChainCanonical.Options)!.Kinds);
    }

    [Fact]
    public void Events_serialised_once_give_the_canonical_bytes_verify_computes_from_the_stored_json()
    {
        var events = EveryShape();
        Assert.Equal(AuditStore.EventTypes.ToHashSet(), events.Select(e => e.GetType()).ToHashSet());

        var key = new ChainKey(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());
        var (linked, _) = AuditChain.Link(ChainHead.Start(key, "s"), events);
        var prev = ChainHead.Genesis;
        foreach (var (e, stored) in linked)
        {
            // What verify does: the canonical form of the stored value, after jsonb reordered it.
            using var reference = JsonSerializer.SerializeToDocument(e with { Hash = null }, e.GetType(), ChainCanonical.Options);
            using var storedJson = JsonDocument.Parse(stored);
            var name = e.GetType().Name;
            // An event that leaves out its empty lists and false flags differs from the plain serialisation by exactly those.
            var leavesOut = e.GetType().IsDefined(typeof(LeavesOutEmptyAttribute), inherit: false);
            Assert.Equal(ChainCanonical.Of(name, leavesOut ? WithoutEmpty(reference.RootElement) : reference.RootElement), ChainCanonical.Of(e));
            Assert.Equal(ChainCanonical.Of(e), ChainCanonical.Of(name, storedJson.RootElement));
            Assert.False(storedJson.RootElement.TryGetProperty("PrevHash", out _)); // the row before holds it
            Assert.Equal(e.Hash, storedJson.RootElement.GetProperty("Hash").GetString());
            Assert.Equal(e.Hash, AuditChain.Hash(key.At("s", e.Position), ChainCanonical.Of(name, storedJson.RootElement), prev));
            prev = e.Hash!;

            // And Marten's reader gets the event back as it was (absent nulls read as null).
            Assert.Equal(JsonSerializer.Serialize(e, e.GetType(), ChainCanonical.Options),
                JsonSerializer.Serialize(JsonSerializer.Deserialize(stored, e.GetType(), ChainCanonical.Options), e.GetType(), ChainCanonical.Options));
        }
    }
}
