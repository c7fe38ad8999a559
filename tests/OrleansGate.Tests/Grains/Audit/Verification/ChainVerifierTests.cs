using System.Text.Json.Nodes;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Audit.Verification;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;
using Xunit;

namespace OrleansGate.Tests.Grains.Audit.Verification;

/// <summary>
/// Tampering that keeps every HMAC intact or lies about its own position, checked on the verifier
/// itself over rows as the writer stores them (the same checks over a real database are in
/// ReplayTool/Verify).
/// </summary>
public sealed class ChainVerifierTests
{
    private static readonly ChainKey Key = new(Enumerable.Range(0, 32).Select(i => (byte)(i + 3)).ToArray());
    private static readonly DateTimeOffset At = DateTimeOffset.UtcNow.AddMinutes(-1);

    /// <summary>A sealed session of three statements, as stored: JSON objects by position.</summary>
    private static List<(string Type, JsonObject Data)> Session()
    {
        StatementDecided Decided(long sequence) =>
            new(sequence, StatementPhase.Query, $"SELECT a FROM t WHERE id = {sequence}", StatementKind.Select, [StatementKind.Select], "SelectStmt", "fp",
                ["public.t"], [], [], ["public.t.a"], [], null, PolicyAction.Allow, "default:allow", null, null, [], At)
            {
                Completed = sequence == 1 ? null
                    : [new CompletedStatement(sequence - 1, OutcomeKind.Completed, "SELECT 1", 1, null, null, At) { Preview = new ResultPreview(["a"], [["1"]], false) }],
            };

        var (linked, _) = AuditChain.Link(ChainHead.Start(Key, "s"),
            [new SessionStarted("s", "alice", ["analysts"], "main", null, "psql", false, At) { Proxy = "h/1/x" }, Decided(1), Decided(2), Decided(3),
                new SessionEnded("s", "client closed", 3, At)]);
        return linked.Select(l => (ChainVerifier.SnakeCase(l.Event.GetType().Name), JsonNode.Parse(l.Json)!.AsObject())).ToList();
    }

    private static SessionVerdict Verify(List<(string Type, JsonObject Data)> rows) =>
        new ChainVerifier(Key).Verify(
            new StoredStream("s", rows.Select((r, i) => new StoredEvent(i + 1, i + 1, r.Type, r.Data.ToJsonString())).ToList(), rows.Count),
            new VerifyRules(VerifyRules.DefaultStaleAfter, false, DateTimeOffset.UtcNow));

    [Fact]
    public void An_untouched_session_is_sealed()
    {
        var verdict = Verify(Session());

        Assert.Equal(SessionStatus.Sealed, verdict.Status);
        Assert.False(verdict.Failed);
    }

    [Theory]
    [InlineData("UsesMaskedColumnInPredicate")]
    [InlineData("Completed/0/Preview/More")]
    public void A_null_in_place_of_a_flag_left_out_keeps_the_hash_but_not_the_tools_and_is_modified(string path)
    {
        // A false flag is left out of the row; the chain's canonical form reads null as absent, so
        // the HMAC still matches. Marten cannot read a null into a flag, so every timeline of the
        // session would fail.
        var rows = Session();
        var parts = path.Split('/');
        var node = (JsonNode)rows[2].Data;
        foreach (var part in parts[..^1])
        {
            node = int.TryParse(part, out var index) ? node[index]! : node[part]!;
        }

        node.AsObject()[parts[^1]] = null;

        var verdict = Verify(rows);

        Assert.True(verdict.Failed);
        Assert.Equal(BreakKind.Modified, verdict.Kind);
        Assert.Equal(3, verdict.Position);
        Assert.Contains("the tools cannot read it", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_row_that_claims_a_later_position_is_reported_where_the_chain_breaks()
    {
        var rows = Session();
        rows[2].Data["Sql"] = "SELECT 1";
        rows[2].Data["Position"] = 5;

        var verdict = Verify(rows);

        Assert.True(verdict.Failed);
        Assert.Equal(BreakKind.Inserted, verdict.Kind);
        Assert.Equal(3, verdict.Position);
        Assert.Contains("claiming position 5", verdict.Detail, StringComparison.Ordinal);
    }
}
