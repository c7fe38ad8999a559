using Orleans.Concurrency;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Policy;

/// <summary>
/// A policy's answer for SQL that does not run (the console's dry run): what the session grain
/// would decide for these statements by this identity on this target — the action, the rule, the
/// masked columns and how each is masked — with the same policy, catalog and masking analysis, and
/// without recording, holding or running anything. A row estimate is not asked for (it would send
/// the SQL to the target): a bulk-read condition is decided as when the planner gives none.
/// </summary>
public interface IPolicyDryRunGrain : IGrainWithIntegerKey
{
    Task<IReadOnlyList<DryRunDecision>> DecideAsync(DryRunRequest request);
}

[GenerateSerializer, Immutable]
public sealed record DryRunRequest(
    [property: Id(0)] string Identity,
    [property: Id(1)] IReadOnlyList<string> Groups,
    [property: Id(2)] string Target,
    [property: Id(3)] IReadOnlyList<StatementInfo> Statements);

[GenerateSerializer, Immutable]
public sealed record DryRunDecision(
    [property: Id(0)] string Sql,
    [property: Id(1)] string Action,
    [property: Id(2)] string Rule,
    [property: Id(3)] string? Message,
    [property: Id(4)] IReadOnlyList<DryRunMask> Masked);

/// <summary>A column the result would mask, why, and with which strategy (null: not a configured mask, e.g. a built-in detector's).</summary>
[GenerateSerializer, Immutable]
public sealed record DryRunMask(
    [property: Id(0)] string Column,
    [property: Id(1)] string Reason,
    [property: Id(2)] string? Strategy);

[StatelessWorker]
public sealed class PolicyDryRunGrain(GatewayConfiguration gateway, TimeProvider clock) : Grain, IPolicyDryRunGrain
{
    public async Task<IReadOnlyList<DryRunDecision>> DecideAsync(DryRunRequest request)
    {
        var subject = new SessionSubject(request.Identity, request.Groups, request.Target);
        var policy = gateway.PolicyFor(request.Target);
        var facts = new ConditionFacts(gateway.TargetFor(request.Target)?.Production == true);
        var masking = new SessionMasking(GrainFactory, subject, clock);
        var catalog = await masking.CatalogAsync(completed: null, unsettled: false).ConfigureAwait(true);
        var batch = request.Statements.Select(s => new StatementRequest(s, StatementPhase.Query, [])).ToList();
        var decisions = batch.Select(r => PolicyEngine.Decide(r.Statement, subject, policy, catalog, facts)).ToArray();
        masking.Apply(batch, decisions, 1, catalog);
        return decisions.Select((d, i) => new DryRunDecision(request.Statements[i].Sql, d.Action.ToString(), d.Rule, d.Message,
            d.MaskedColumns.Select(m => new DryRunMask(m.Column, m.Reason.ToString(),
                policy?.Masks.Find(mask => string.Equals(mask.Column, m.Column, StringComparison.Ordinal))?.Strategy.ToString())).ToList())).ToList();
    }
}
