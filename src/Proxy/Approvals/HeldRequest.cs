using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Decisions;
using OrleansGate.Proxy.Protocol;

namespace OrleansGate.Proxy.Approvals;

/// <summary>
/// A request parked for approval inside the live session: nothing of it has gone upstream. The
/// client is told at once (a NOTICE: the approval id, who can approve, the command, the deadline),
/// then the session waits for the approval grain — in short polls, so a grain call is never held
/// open for an approval's length and a silo that dies meanwhile is simply asked again.
/// </summary>
internal static class HeldRequest
{
    /// <summary>SQLSTATE 57014 query_canceled: the client cancelled while its statement was held.</summary>
    public const string CancelledSqlState = "57014";

    /// <summary>SQLSTATE 55000: the approval service could not be reached for longer than the request could wait.</summary>
    public const string UnavailableSqlState = "55000";

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>How long past its expiry the session keeps trying to learn a request's outcome.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    /// <summary>Null when the request was approved (forward it); otherwise the refusal to send.</summary>
    /// <remarks>
    /// When the gateway itself stops, the request is left pending: it stays listed and decidable
    /// (its record and state survive the restart) and expires on its own; the client, whose
    /// connection the stop closes, learns nothing more. A client that cancels or leaves withdraws it.
    /// </remarks>
    public static async ValueTask<Decision?> WaitAsync(ApprovalRequest request, ISessionDecider decider, ClientCancelSignal cancels,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> notifyClient, CancellationToken stopping)
    {
        await notifyClient(Notice(request), stopping).ConfigureAwait(false);
        var cancelled = cancels.Begin();
        try
        {
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancelled);
            var view = await PollAsync(request, decider, waiting.Token).ConfigureAwait(false);
            if (view is null)
            {
                stopping.ThrowIfCancellationRequested();
                // The client's cancel withdraws the request, unless someone decided it first.
                view = await WithdrawQuietlyAsync(decider, request.Id, cancels.Reason).ConfigureAwait(false)
                       ?? new ApprovalView { Request = request, Status = ApprovalStatus.Withdrawn };
            }

            return Outcome(request, view);
        }
        finally
        {
            cancels.End();
        }
    }

    // Null when cancelled by the client; a view that is no longer pending otherwise.
    private static async Task<ApprovalView?> PollAsync(ApprovalRequest request, ISessionDecider decider, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var view = await decider.WaitForApprovalAsync(request.Id, Poll, cancellationToken).ConfigureAwait(false);
                if (view is null || !view.IsPending)
                {
                    return view ?? new ApprovalView { Request = request, Status = ApprovalStatus.Expired, Reason = "the approval request no longer exists" };
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
#pragma warning disable CA1031 // A silo going away mid-poll is expected: ask again, until the request could no longer be pending.
            catch (Exception) when (DateTimeOffset.UtcNow < request.ExpiresAt + Grace)
#pragma warning restore CA1031
            {
                await Task.Delay(RetryAfter, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Still pending as far as the session can tell: Outcome refuses it as unconfirmed.
                return new ApprovalView { Request = request };
            }
        }
    }

    private static Decision? Outcome(ApprovalRequest request, ApprovalView view) => view.Status switch
    {
        ApprovalStatus.Granted => null,
        ApprovalStatus.Denied => Decision.Block(request.Rule,
            $"denied by {view.Denial?.Approver ?? "an approver"} (approval {request.Id}): {view.Denial?.Reason ?? "no reason given"}"),
        ApprovalStatus.Expired => Decision.Block(request.Rule,
            $"approval {request.Id} expired: nobody approved the statement by {request.ExpiresAt:u}"),
        ApprovalStatus.Withdrawn => Decision.Block(request.Rule, "canceling statement due to user request (it was held for approval " +
            $"{request.Id})", CancelledSqlState),
        _ => Decision.Block(request.Rule, $"approval {request.Id} could not be confirmed: the approval service is unavailable",
            UnavailableSqlState),
    };

    private static async Task<ApprovalView?> WithdrawQuietlyAsync(ISessionDecider decider, string id, string reason)
    {
        try
        {
            return await decider.WithdrawApprovalAsync(id, reason).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: an unreachable approval expires on its own.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static byte[] Notice(ApprovalRequest request)
    {
        var needed = request.MinApprovals > 1 ? $"; {request.MinApprovals} distinct approvals needed" : string.Empty;
        var minutes = Math.Max(0, (request.ExpiresAt - request.RequestedAt).TotalMinutes);
        using var builder = new MessageBuilder();
        var why = request.Why.Count > 0 ? string.Join("; ", request.Why) + ". " : string.Empty;
        builder.NoticeResponse("00000",
            $"statement held for approval {request.Id} (rule '{request.Rule}'); it waits here until approved, denied or expired",
            $"{why}target {request.Target}; approvers: members of {string.Join(", ", request.ApproverGroups)} other than {request.Requester}" +
            $"{needed}; expires {request.ExpiresAt:u} (after {minutes:0.#} min). Cancel (Ctrl-C) withdraws it.",
            $"approve: dotnet run --project src/ReplayTool -c Release -- --config FILE approvals approve {request.Id} [--reason R] [--window DURATION]" +
            $"  deny: … approvals deny {request.Id} --reason R");
        return builder.ToArray();
    }
}
