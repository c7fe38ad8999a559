using System.Text.Json;
using BenchmarkDotNet.Attributes;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;

namespace OrleansGate.Bench.StatementPath;

/// <summary>
/// The gateway's own work on one pgbench -S statement, step by step: parse (uncached, as every
/// simple-protocol statement with new literals pays it, and from the cache, as a repeated text or a
/// prepared statement does), decide under a policy with masks and a hold rule on other tables, and
/// chain the statement's three events into the JSON that is hashed and stored. The old two-pass
/// serialisation is kept here, and only here, as the baseline the one-pass path is measured against.
/// </summary>
[MemoryDiagnoser]
public class StatementPathBenchmarks
{
    private const string Sql = "SELECT abalance FROM pgbench_accounts WHERE aid = 41234;";

    private static readonly SessionSubject Subject = new("alice", ["analysts"], "main");

    private static readonly PolicyOptions Policy = new()
    {
        Name = "realistic",
        Masks =
        [
            new MaskOptions { Column = "public.customers.ssn", Strategy = MaskStrategy.Redact },
            new MaskOptions { Column = "public.customers.email", Strategy = MaskStrategy.Email },
        ],
        Rules =
        [
            new RuleOptions
            {
                Name = "payroll-changes", Relations = ["public.payroll"], Kinds = [StatementKind.Update, StatementKind.Delete],
                Action = PolicyAction.Hold, ApproverGroups = ["approvers"],
            },
            new RuleOptions { Name = "no-truncate", Kinds = [StatementKind.Truncate], Action = PolicyAction.Block },
        ],
    };

    private static readonly MaskingCatalog Catalog = new()
    {
        Version = 1,
        Rules =
        [
            new MaskRule("public.customers.ssn", MaskStrategy.Redact, 0, 0, [], []),
            new MaskRule("public.customers.email", MaskStrategy.Email, 0, 0, [], []),
        ],
        Origins =
        [
            new MaskedOrigin(16400, 3, 0, "public.customers.ssn", false),
            new MaskedOrigin(16400, 4, 1, "public.customers.email", false),
        ],
        Relations = [new MaskedRelation(16400, "public", "customers", 'r', ["id", "name", "ssn", "email"], [1, 2, 3, 4])],
    };

    private static readonly DateTimeOffset At = new(2026, 12, 6, 20, 0, 0, TimeSpan.Zero);

    private readonly SqlParser _uncached = new(cacheEntries: 0);
    private readonly SqlParser _cached = new();
    private StatementInfo _statement = null!;
    private ChainedEvent[] _events = [];
    private ChainedEvent[] _decided = [];
    private ChainHead _head = null!;

    [GlobalSetup]
    public void SetUp()
    {
        _statement = _cached.Parse(Sql)[0];
        _events =
        [
            new StatementReceived("3f1c2a9e-6b7d-4c1e-9f3a-2b8d7e6c5a41", 7, StatementPhase.Query, _statement.Sql, _statement.Kind, _statement.Kinds,
                _statement.Command, _statement.Fingerprint, _statement.RelationsRead, _statement.RelationsWritten, _statement.Functions,
                _statement.Columns, [], null, At),
            new DecisionMade("3f1c2a9e-6b7d-4c1e-9f3a-2b8d7e6c5a41", 7, PolicyAction.Allow, "default", null, null, [], At),
            new StatementCompleted("3f1c2a9e-6b7d-4c1e-9f3a-2b8d7e6c5a41", 6, OutcomeKind.Completed, "SELECT 1", 1, null, null, At)
            {
                Preview = new ResultPreview(["abalance"], [["0"]], false),
            },
        ];
        // The same statement as one event (what arrived, the decision, the previous one's outcome), as written today.
        _decided =
        [
            new StatementDecided(7, StatementPhase.Query, _statement.Sql, _statement.Kind, _statement.Kinds,
                _statement.Command, _statement.Fingerprint, _statement.RelationsRead, _statement.RelationsWritten, _statement.Functions,
                _statement.Columns, [], null, PolicyAction.Allow, "default", null, null, [], At)
            {
                Completed = [new CompletedStatement(6, OutcomeKind.Completed, "SELECT 1", 1, null, null, At) { Preview = new ResultPreview(["abalance"], [["0"]], false) }],
            },
        ];
        _head = ChainHead.Start(new ChainKey(new byte[32]), "3f1c2a9e-6b7d-4c1e-9f3a-2b8d7e6c5a41");
    }

    [Benchmark]
    public IReadOnlyList<StatementInfo> ParseUncached() => _uncached.Parse(Sql);

    [Benchmark]
    public IReadOnlyList<StatementInfo> ParseCached() => _cached.Parse(Sql);

    [Benchmark]
    public Decision Decide() => PolicyEngine.Decide(_statement, Subject, Policy, Catalog, new ConditionFacts(false, null));

    [Benchmark]
    public MaskingAnalysis AnalyzeMasking() => MaskingAnalyzer.Analyze(_statement, Catalog);

    /// <summary>Today: the statement's one event (StatementDecided) serialised once into canonical JSON, hashed, stored as is.</summary>
    [Benchmark]
    public int ChainOneEvent()
    {
        var (linked, _) = AuditChain.Link(_head, _decided);
        return linked.Sum(e => e.Json.Length);
    }

    /// <summary>Before the one-event record: three events, each serialised once into canonical JSON, hashed, stored as is.</summary>
    [Benchmark]
    public int ChainThreeEvents()
    {
        var (linked, _) = AuditChain.Link(_head, _events);
        return linked.Sum(e => e.Json.Length);
    }

    /// <summary>Before: a JSON document per event rewritten into the canonical form, then serialised again for storage.</summary>
    [Benchmark(Baseline = true)]
    public int ChainThreeEventsTwoPasses()
    {
        var (position, key, prev, total) = (_head.NextPosition, _head.NextKey, _head.LastHash, 0);
        foreach (var e in _events)
        {
            var positioned = e with { Position = position, Hash = null };
            using var document = JsonSerializer.SerializeToDocument(positioned, positioned.GetType(), ChainCanonical.Options);
            var hash = AuditChain.Hash(key, ChainCanonical.Of(e.GetType().Name, document.RootElement), prev);
            var stored = JsonSerializer.Serialize(positioned with { Hash = hash }, positioned.GetType(), ChainCanonical.Options);
            (position, key, prev, total) = (position + 1, ChainKey.Next(key), hash, total + stored.Length);
        }

        return total;
    }
}
