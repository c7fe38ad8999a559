using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// COPY FROM STDIN in a request: the server reads what follows it in COPY-IN mode
/// (<see cref="CopyInFlow"/>), so the gateway forwards only requests whose next messages it can
/// tell the mode of — one such COPY per request, and in the extended protocol nothing but Sync
/// after its Execute (a Bind or Parse there would abort the COPY and make the batch's own Sync
/// count after all) — and tells the flow when one goes upstream.
/// </summary>
internal sealed partial class DecisionPoint
{
    private const string CopyInRule = "protocol:copy-in";

    // The batch being buffered holds the Execute of a COPY FROM STDIN, and a message after it.
    private bool _copyInExecuteBuffered;
    private bool _messageAfterCopyInExecute;

    private static bool IsCopyIn(StatementRequest request) =>
        request.Phase != StatementPhase.Prepare && request.Refusal is null
        && request.Statement is { Kind: StatementKind.CopyFrom, Copy: CopyEndpoint.Client };

    /// <summary>Before a message joins the batch: whether it follows the batch's COPY FROM STDIN Execute.</summary>
    private void NoteMessageAfterCopyIn() => _messageAfterCopyInExecute |= _copyInExecuteBuffered;

    /// <summary>After an Execute joined the batch: whether it runs a COPY FROM STDIN.</summary>
    private void NoteCopyInExecute() => _copyInExecuteBuffered |= _requests.Count > 0 && IsCopyIn(_requests[^1]);

    private void ForgetCopyInBatch() => (_copyInExecuteBuffered, _messageAfterCopyInExecute) = (false, false);

    /// <summary>Refuses (all or nothing, as any refusal) a request whose COPY FROM STDIN the gateway could not follow.</summary>
    private IReadOnlyList<StatementRequest> RefuseUnfollowableCopyIns(IReadOnlyList<StatementRequest> requests)
    {
        var copies = requests.Count(IsCopyIn);
        if (copies == 0 || (copies == 1 && !_messageAfterCopyInExecute && !(UpstreamApplicationName is not null && requests.Any(SetsApplicationName))))
        {
            return requests;
        }

        return requests.Select(r => IsCopyIn(r)
            ? r with
            {
                Refusal = new RequestRefusal(CopyInRule, "0A000",
                    "COPY FROM STDIN must be the only one of its request, without SET application_name (the gateway's own SET would " +
                    "follow it into the COPY) and, in the extended protocol, be followed by nothing but Sync: the gateway follows the " +
                    "server's COPY mode from there"),
            }
            : r).ToList();
    }

    /// <summary>
    /// A request goes upstream: when it runs a COPY FROM STDIN, the client loop waits for the
    /// server's answer, and an extended batch's closing Sync is held back. True when it is.
    /// </summary>
    private bool ForwardingMayStartCopyIn(IReadOnlyList<StatementRequest> requests, bool extended, bool endsWithSync)
    {
        if (!requests.Any(IsCopyIn))
        {
            return false;
        }

        replies.CopyIn.MayStart(replies.ExpectedCount, extended, syncHeld: extended && endsWithSync);
        return extended && endsWithSync;
    }
}
