using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Sessions;

/// <summary>The hold side of a session's decisions: one approval request per held batch, windows, plan estimates.</summary>
public sealed partial class SessionGrain
{
    /// <summary>
    /// A batch with a hold (and no block) is held as a unit: every statement gets a Hold decision
    /// carrying the same request, and keeps its own mask plan for when it runs. Returns that
    /// request, or null when nothing is held — no hold, a window a grant opened lets it through,
    /// or nobody could approve it (then the batch is refused like a block).
    /// </summary>
    private async Task<ApprovalRequest?> HoldAsync(IReadOnlyList<StatementRequest> batch, Decision[] decisions, SessionSubject subject,
        long firstSequence, DateTimeOffset now, long?[]? estimates)
    {
        if (Array.TrueForAll(decisions, d => d.Action != PolicyAction.Hold))
        {
            return null;
        }

        var held = Enumerable.Range(0, decisions.Length).Where(i => decisions[i].Action == PolicyAction.Hold).ToArray();

        var cause = decisions[held[0]];
        var rules = held.Select(i => decisions[i].Rule).Distinct(StringComparer.Ordinal).ToArray();

        // Several holds in one batch: only who may approve every one of them may approve the batch.
        var groups = held.Skip(1).Aggregate((IEnumerable<string>)decisions[held[0]].ApproverGroups,
            (g, i) => g.Intersect(decisions[i].ApproverGroups, StringComparer.Ordinal)).ToArray();
        if (groups.Length == 0)
        {
            for (var i = 0; i < decisions.Length; i++)
            {
                decisions[i] = decisions[i].Action == PolicyAction.Hold
                    ? Decision.Block(decisions[i].Rule, $"{decisions[i].Message}; refused: no approver group can approve it " +
                                                        "(the rule, or the policy for built-in holds, names none)")
                    : Decision.Block(cause.Rule, $"not run: statement {held[0] + 1} of the same batch was refused by rule '{cause.Rule}'");
            }

            return null;
        }

        var fingerprint = string.Join(";", batch.Select(r => r.Statement.Fingerprint));
        if (await OpenWindowAsync(subject, fingerprint).ConfigureAwait(true) is { } window)
        {
            foreach (var i in held)
            {
                decisions[i] = decisions[i] with
                {
                    Action = decisions[i].MaskedColumns.Count > 0 ? PolicyAction.Mask : PolicyAction.Allow,
                    Rule = $"approval-window:{window.ApprovalId}",
                    SqlState = null,
                    Message = null,
                    ApproverGroups = [],
                };
            }

            return null;
        }

        var request = new ApprovalRequest
        {
            Id = "ap-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            SessionId = SessionId,
            Requester = subject.Identity,
            Target = subject.Target,
            Statements = batch.Select(r => r.Statement.Sql).ToArray(),
            Runs = batch.Select(r => r.Statement.HasKind(Statements.StatementKind.Execute) || r.Statement.HasKind(Statements.StatementKind.Fetch) ? r.Statement.Inner?.Sql : null).ToArray(),
            Parameters = batch.Select(r => r.Parameters).ToArray(),
            Sequences = batch.Select((_, i) => firstSequence + i).ToArray(),
            Rule = string.Join(", ", rules),
            ApproverGroups = groups,
            MinApprovals = held.Max(i => decisions[i].MinApprovals),
            RequestedAt = now,
            ExpiresAt = now + held.Min(i => decisions[i].HoldTimeout),
            Fingerprint = fingerprint,
            Why = held.Select(i => decisions[i].Message).OfType<string>().Distinct(StringComparer.Ordinal).ToArray(),
            EstimatedRows = estimates is null ? [] : [.. estimates],
        };
        for (var i = 0; i < decisions.Length; i++)
        {
            decisions[i] = decisions[i].Action == PolicyAction.Hold
                ? decisions[i] with { ApproverGroups = groups, MinApprovals = request.MinApprovals, HoldTimeout = request.ExpiresAt - now, Approval = request }
                : decisions[i] with
                {
                    Action = PolicyAction.Hold,
                    Rule = cause.Rule,
                    SqlState = Decision.BlockedSqlState,
                    Message = $"held with statement {held[0] + 1} of the same batch, by rule '{cause.Rule}'",
                    ApproverGroups = groups,
                    MinApprovals = request.MinApprovals,
                    HoldTimeout = request.ExpiresAt - now,
                    Approval = request,
                };
        }

        return request;
    }

    private async Task<ApprovalWindowView?> OpenWindowAsync(SessionSubject subject, string fingerprint)
    {
        try
        {
            return await grains.GetGrain<IApprovalWindowGrain>(ApprovalWindowKey.For(subject.Identity, subject.Target, fingerprint))
                .GetAsync().ConfigureAwait(true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogWindowUnavailable(logger, SessionId, e.Message);
            return null; // no window known: held, as without one
        }
    }

    /// <summary>
    /// Opens the approval grain once the hold is recorded. If it cannot be opened nobody could
    /// approve the request, so the batch is refused (fail closed).
    /// </summary>
    private async Task<IReadOnlyList<Decision>> OpenApprovalAsync(ApprovalRequest request, Decision[] decisions)
    {
        try
        {
            await grains.GetGrain<IApprovalGrain>(request.Id).OpenAsync(request).ConfigureAwait(true);
            return decisions;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogApprovalUnavailable(logger, SessionId, request.Id, e.Message);
            return decisions.Select(d => Decision.Block(d.Rule,
                $"held for approval by rule '{d.Rule}', but the approval request {request.Id} could not be opened; refused",
                AuditUnavailableSqlState) with { Sequence = d.Sequence }).ToArray();
        }
    }

    /// <summary>The planner's row estimate for a SELECT, or null (fail closed: counted as bulk) when it cannot be had.</summary>
    private async Task<long?> EstimateRowsAsync(TargetOptions? target, StatementRequest request)
    {
        if (target is null)
        {
            return null;
        }

        try
        {
            return await UpstreamPlanEstimate.RowsAsync(target, request.Statement.Sql, request.Parameters, CancellationToken.None).ConfigureAwait(true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogEstimateFailed(logger, SessionId, UpstreamCatalogReader.DescribeFailure(e, target));
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: approval windows could not be read, the batch is held: {Reason}")]
    private static partial void LogWindowUnavailable(ILogger logger, string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: approval {ApprovalId} could not be opened, the batch is refused: {Reason}")]
    private static partial void LogApprovalUnavailable(ILogger logger, string sessionId, string approvalId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: no row estimate, the statement counts as a bulk read: {Reason}")]
    private static partial void LogEstimateFailed(ILogger logger, string sessionId, string reason);
}
