using System.IO.Pipelines;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Masking;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Frontend;

namespace OrleansGate.Proxy.Relay;

/// <summary>Asking for a request's decision, waiting on a hold, and turning a refusal into the client's ErrorResponse.</summary>
internal sealed partial class DecisionPoint
{
    /// <summary>
    /// A request's decision: the error to refuse it with, or null when every statement is allowed;
    /// then the sequence numbers of the statements that will run (a prepare-only Parse produces no
    /// outcome) with their masking, each request's masking, and each request's sequence number.
    /// </summary>
    private sealed record Decided(byte[]? Refusal, long[] Running, StatementMasking?[] RunningMasking, StatementMasking?[] RequestMasking,
        long[] Sequences)
    {
        public static Decided Refused(byte[] refusal) => new(refusal, [], [], [], []);

        public static readonly Decided Nothing = new(null, [], [], [], []);
    }

    /// <param name="endsRequest">The requests end a Query or a batch up to Sync (not one forwarded at Flush).</param>
    private async ValueTask<Decided> DecideAsync(IReadOnlyList<StatementRequest> requests, PipeWriter upstream, bool endsRequest,
        CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return Decided.Nothing;
        }

        requests = RefuseUnfollowableCopyIns(RefuseUnfollowedApplicationNames(requests, endsRequest));

        // Whatever was already decided goes out before this wait, not after it.
        if (upstream.CanGetUnflushedBytes && upstream.UnflushedBytes > 0)
        {
            await upstream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        // Read only when a span will be made: this runs for every request.
        var started = Telemetry.GatewayTelemetry.Statements.HasListeners() ? DateTimeOffset.UtcNow : default;
        var decisions = await decider.DecideAsync(requests, replies.DrainCompleted(),
            inTransaction?.Invoke() == true || replies.ExpectedCount > replies.AnsweredCount, cancellationToken).ConfigureAwait(false);
        Telemetry.GatewayTelemetry.RecordDecisions(decider.SessionId, requests, decisions, started);
        if (FirstRefused(decisions) is { } refused)
        {
            return Decided.Refused(Error(refused));
        }

        if (decisions.FirstOrDefault(d => d.Action == PolicyAction.Hold) is { Approval: { } approval })
        {
            // The whole request waits on one approval, before any of it goes upstream.
            using var waiting = Held?.Hold();
            if (await Approvals.HeldRequest.WaitAsync(approval, decider, cancels!, _notifyClient!, cancellationToken).ConfigureAwait(false)
                is { } notApproved)
            {
                return Decided.Refused(Error(notApproved));
            }
        }

        var requestMasking = new StatementMasking?[requests.Count];
        if (decisions.Any(d => d.Mask is not null))
        {
            if (masking is null)
            {
                // The policy began to mask after this session started: its extended-protocol
                // results cannot be attributed, so nothing runs until the client reconnects.
                return Decided.Refused(Error(Decision.Block("masking:session", "the target's masking changed since this session began; reconnect",
                    "55000")));
            }

            try
            {
                await masking.EnsureCatalogAsync(decisions.Max(d => d.Mask?.CatalogVersion ?? 0), cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < requests.Count; i++)
                {
                    requestMasking[i] = decisions[i].Mask is { } plan ? StatementMasking.For(plan, requests[i].Statement) : null;
                }
            }
            catch (MaskingException e)
            {
                return Decided.Refused(Error(Decision.Block("masking:unavailable", $"statement refused: {e.Message}",
                    Grains.Masking.MaskingDefaults.CatalogUnavailableSqlState)));
            }
        }

        return Allowed(requests, decisions, requestMasking);
    }

    /// <summary>The first block of the batch, else its first hold that cannot wait here (no approval, or no way to tell the client).</summary>
    private Decision? FirstRefused(IReadOnlyList<Decision> decisions)
    {
        Decision? unwaitable = null;
        for (var i = 0; i < decisions.Count; i++)
        {
            var d = decisions[i];
            if (d.Action == PolicyAction.Block)
            {
                return d;
            }

            if (unwaitable is null && d.Action == PolicyAction.Hold && (d.Approval is null || _notifyClient is null || cancels is null))
            {
                unwaitable = d;
            }
        }

        return unwaitable;
    }

    /// <summary>What an allowed request runs: its statements' sequence numbers and masking, in order (loops: every request pays for this).</summary>
    private static Decided Allowed(IReadOnlyList<StatementRequest> requests, IReadOnlyList<Decision> decisions, StatementMasking?[] requestMasking)
    {
        var count = 0;
        for (var i = 0; i < requests.Count; i++)
        {
            count += Runs(requests[i], decisions[i]) ? 1 : 0;
        }

        var sequences = new long[count];
        var masking = new StatementMasking?[count];
        var all = new long[decisions.Count];
        for (int i = 0, r = 0; i < requests.Count; i++)
        {
            all[i] = decisions[i].Sequence;
            if (Runs(requests[i], decisions[i]))
            {
                sequences[r] = decisions[i].Sequence;
                masking[r++] = requestMasking[i];
            }
        }

        return new Decided(null, sequences, masking, requestMasking, all);
    }

    private static bool Runs(StatementRequest request, Decision decision) => request.Phase != StatementPhase.Prepare && decision.Sequence > 0;

    private static StatementRequest FunctionCallRequest(FunctionCallMessage call) => new(
        new StatementInfo
        {
            Kind = StatementKind.FunctionCall,
            Kinds = [StatementKind.FunctionCall],
            Command = "FunctionCall",
            Sql = $"-- FunctionCall message: function OID {call.FunctionOid}",
        },
        StatementPhase.FunctionCall,
        ParameterText.Of(call.Arguments));

    private static byte[] Error(Decision decision)
    {
        var message = decision.Action switch
        {
            PolicyAction.Hold => $"{decision.Message}: nobody can approve it here, so the statement was refused",
            _ => decision.Message ?? $"refused by rule '{decision.Rule}'",
        };
        using var builder = new MessageBuilder();
        builder.ErrorResponse(Severity.Error, decision.SqlState ?? Decision.BlockedSqlState, message);
        return builder.ToArray();
    }
}
