using System.Buffers;
using System.IO.Pipelines;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Decisions;
using OrleansGate.Proxy.Masking;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Frontend;
using OrleansGate.Proxy.Relay.Names;
using OrleansGate.Proxy.Sql;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// Where the client's requests are stopped until they are decided. A Query or FunctionCall is
/// decided on its own; the extended protocol is buffered up to Sync (or Flush) and decided as one
/// batch, with the SQL each Execute runs (from its Bind's statement) and its parameters. Nothing
/// of a batch goes upstream before the whole batch is allowed; a refused batch is replaced by a
/// Sync so the client gets ErrorResponse and ReadyForQuery with the server's true status.
/// </summary>
/// <remarks>
/// Partial by concern: this file receives frames and buffers batches; <c>DecisionPoint.Names.cs</c>
/// follows prepared statements and portals; <c>DecisionPoint.Decide.cs</c> asks for the decision
/// and turns a refusal into the client's error.
/// </remarks>
internal sealed partial class DecisionPoint(ISessionDecider decider, SqlParser parser, PendingReplies replies, int maxBatchBytes,
    ResultMasking? masking = null, Approvals.ClientCancelSignal? cancels = null, Func<bool>? inTransaction = null)
{
    /// <summary>Where this proxy counts statements waiting for approval (metrics); none when null.</summary>
    public Approvals.HeldStatements? Held { get; init; }

    private const int RetainedBatchBytes = 1024 * 1024;

    private ArrayBufferWriter<byte> _batch = new(1024);
    private readonly List<StatementRequest> _requests = [];

    // Statements a Parse of this batch prepared, and whether an Execute of the batch runs them.
    private readonly List<(StatementInfo[] Statements, bool Executed)> _parsed = [];

    // The Describes of the batch in order: the client's own, and the gateway's before each Execute
    // (with the index of the Execute's request), so masking knows every portal's columns.
    private readonly List<(bool Injected, int Request, string? Portal, long Generation)> _describes = [];

    // Which binding of each portal name an Execute runs: a new Bind, a Close or a Query (which may
    // DECLARE, CLOSE or end a transaction) makes it another result, which masking warns about anew.
    private readonly Dictionary<string, long> _portalGenerations = new(StringComparer.Ordinal);
    private long _lastPortalGeneration;

    private void PortalBound(string portal)
    {
        if (_portalGenerations.Count >= 1024)
        {
            _portalGenerations.Clear();
        }

        _portalGenerations[portal] = ++_lastPortalGeneration;
    }

    private long PortalGeneration(string portal) =>
        _portalGenerations.TryGetValue(portal, out var generation) ? generation : ++_lastPortalGeneration;
    private Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? _notifyClient;

    /// <summary>How this point writes to the client out of turn (a held request's NOTICE); set by the relay.</summary>
    public void AttachClientWriter(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> notifyClient) => _notifyClient = notifyClient;

    // An extended batch went upstream at Flush and its Sync has not come yet. A Query or
    // FunctionCall now would be skipped by the server if that batch failed, without the
    // ReadyForQuery the gateway counts on, so it is refused as a protocol violation.
    private bool _flushedWithoutSync;
    private byte[]? _refusedUntilSync;

    /// <summary>True for the frame types this class must see; the rest are relayed untouched.</summary>
    public bool Intercepts(FrontendMessageType type) => type switch
    {
        FrontendMessageType.CopyData or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail =>
            _batch.WrittenCount > 0 || _refusedUntilSync is not null,
        FrontendMessageType.Terminate => false,
        _ => true,
    };

    /// <summary>Handles one frame; returns a protocol-violation message, or null to go on.</summary>
    public async ValueTask<string?> HandleAsync(FrontendMessageType type, Frame frame, PipeWriter upstream, CancellationToken cancellationToken)
    {
        if (_refusedUntilSync is not null)
        {
            // After a refusal the server would skip everything up to Sync (§55.2.3); so does the gateway.
            if (type == FrontendMessageType.Sync)
            {
                RefuseWithSync(upstream, _refusedUntilSync);
                _refusedUntilSync = null;
            }

            return null;
        }

        switch (type)
        {
            case FrontendMessageType.Query or FrontendMessageType.FunctionCall when _flushedWithoutSync:
                return "a Query or FunctionCall after Flush without Sync is not supported through the gateway";
            case FrontendMessageType.Query or FrontendMessageType.FunctionCall when _batch.WrittenCount > 0:
                // The server would run the batch, and skip this message too if the batch failed
                // (§55.2.3: everything up to Sync), without the ReadyForQuery the gateway counts on.
                // Nothing of it has gone upstream: the session ends before anything is out of step.
                return "a Query or FunctionCall inside an extended-protocol batch (before its Sync) is not supported through the gateway";
            case FrontendMessageType.Query:
                _portalGenerations.Clear();
                if (!await ForwardBatchAsync(upstream, cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return QueryMessage.TryDecode(frame.Payload, out var query)
                    ? await DecideSingleAsync(QueryRequests(query.Sql), frame, upstream, cancellationToken).ConfigureAwait(false)
                    : "malformed Query message";
            case FrontendMessageType.FunctionCall:
                if (!await ForwardBatchAsync(upstream, cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return FunctionCallMessage.TryDecode(frame.Payload, out var call)
                    ? await DecideSingleAsync([FunctionCallRequest(call)], frame, upstream, cancellationToken).ConfigureAwait(false)
                    : "malformed FunctionCall message";
            case FrontendMessageType.Sync:
                frame.Whole.CopyTo(_batch);
                await DecideBatchAsync(upstream, endsWithSync: true, cancellationToken).ConfigureAwait(false);
                return null;
            case FrontendMessageType.Flush:
                frame.Whole.CopyTo(_batch);
                await DecideBatchAsync(upstream, endsWithSync: false, cancellationToken).ConfigureAwait(false);
                return null;
            case FrontendMessageType.CopyData or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail:
                if (await ForwardBatchAsync(upstream, cancellationToken).ConfigureAwait(false))
                {
                    frame.Whole.CopyTo(upstream);
                }

                return null;
            default:
                if (_batch.WrittenCount + frame.Length > maxBatchBytes)
                {
                    return "the extended-protocol batch before Sync is longer than the gateway accepts";
                }

                if (masking is not null)
                {
                    NoteDescribe(type, frame);
                }

                NoteMessageAfterCopyIn();
                frame.Whole.CopyTo(_batch);
                var problem = Track(type, frame);
                if (type == FrontendMessageType.Execute)
                {
                    NoteCopyInExecute();
                }

                return problem;
        }
    }

    private void NoteDescribe(FrontendMessageType type, Frame frame)
    {
        if (type == FrontendMessageType.Describe)
        {
            _describes.Add((false, -1, null, 0));
        }
        else if (type == FrontendMessageType.Execute && ExecuteMessage.TryDecode(frame.Payload, out var execute))
        {
            using var builder = new MessageBuilder();
            builder.Start((byte)FrontendMessageType.Describe).WriteByte((byte)StatementOrPortal.Portal).WriteCString(execute.PortalName).Finish();
            _batch.Write(builder.WrittenSpan);
            _describes.Add((true, _requests.Count, execute.PortalName, PortalGeneration(execute.PortalName)));
        }
    }

    private async ValueTask<string?> DecideSingleAsync(IReadOnlyList<StatementRequest> requests, Frame frame, PipeWriter upstream,
        CancellationToken cancellationToken)
    {
        var decided = await DecideAsync(requests, upstream, endsRequest: true, cancellationToken).ConfigureAwait(false);
        if (decided.Refusal is not null)
        {
            ForgetBatchNames();
            RefuseWithSync(upstream, decided.Refusal);
            return null;
        }

        WithholdForHoldableCursors(requests, decided);
        ForwardingMayStartCopyIn(requests, extended: false, endsWithSync: false);
        replies.ExpectForwarded(decided.Running, masking: decided.RunningMasking, group: _group, beforeReady: ClientDefaultAfterReset(requests));
        ForwardBatchNames(decided.Sequences);
        NextGroup();
        frame.Whole.CopyTo(upstream);
        RestoreApplicationName(requests, upstream);
        return null;
    }

    private async ValueTask DecideBatchAsync(PipeWriter upstream, bool endsWithSync, CancellationToken cancellationToken)
    {
        foreach (var (statements, executed) in _parsed)
        {
            if (!executed)
            {
                _requests.AddRange(statements.Select(s => new StatementRequest(s, StatementPhase.Prepare, [])));
            }
        }

        var decided = await DecideAsync(_requests, upstream, endsWithSync, cancellationToken).ConfigureAwait(false);
        if (decided.Refusal is null)
        {
            foreach (var (injected, request, portal, generation) in _describes)
            {
                masking!.ExpectDescribe(injected, injected && request < decided.RequestMasking.Length ? decided.RequestMasking[request] : null,
                    portal, generation);
            }

            WithholdForHoldableCursors(_requests, decided);
            var holdsSync = ForwardingMayStartCopyIn(_requests, extended: true, endsWithSync);
            if (endsWithSync)
            {
                // Outcomes are matched per ReadyForQuery; a batch forwarded at Flush has none to
                // wait for, so its statements' outcomes are not recorded.
                replies.ExpectForwarded(decided.Running, extended: true, masking: decided.RunningMasking, group: _group,
                    beforeReady: ClientDefaultAfterReset(_requests));
            }

            ForwardBatchNames(decided.Sequences);
            if (endsWithSync)
            {
                NextGroup();
            }

            var forwarded = endsWithSync ? _requests.ToList() : null;
            WriteBatch(upstream, holdsSync);
            _flushedWithoutSync = !endsWithSync;
            if (forwarded is not null)
            {
                RestoreApplicationName(forwarded, upstream);
            }

            return;
        }

        // Nothing of a refused batch happened upstream: the names it would have made are forgotten.
        ForgetBatchNames();
        ClearBatch();
        if (endsWithSync)
        {
            RefuseWithSync(upstream, decided.Refusal);
        }
        else
        {
            _refusedUntilSync = decided.Refusal;
        }
    }

    /// <summary>
    /// A cursor WITH HOLD runs its query at COMMIT (or at the end of the implicit transaction),
    /// where errors belong to no statement: masking withholds them from this request on.
    /// </summary>
    private void WithholdForHoldableCursors(IReadOnlyList<StatementRequest> requests, Decided decided)
    {
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i].Statement is { Command: "DeclareCursorStmt", Holdable: true }
                && i < decided.RequestMasking.Length && decided.RequestMasking[i]?.Plan.ReadsMaskedValues == true)
            {
                masking?.WithholdMessagesUntilIdle(replies.ExpectedCount);
            }
        }
    }

    /// <summary>
    /// A refused request goes upstream as a bare Sync; its error is put before the ReadyForQuery
    /// the server answers that Sync with. A Sync also closes any batch forwarded at Flush.
    /// </summary>
    private void RefuseWithSync(PipeWriter upstream, byte[] refusal)
    {
        replies.ExpectRefused(refusal, _group);
        NextGroup();
        upstream.Write(FrontendMessages.SyncFrame);
        _flushedWithoutSync = false;
    }

    /// <summary>
    /// Before a Query, FunctionCall or copy message: the extended-protocol messages buffered ahead
    /// of it are decided as if flushed and forwarded. False when they were refused, in which case
    /// the message that follows them is skipped up to Sync as well.
    /// </summary>
    private async ValueTask<bool> ForwardBatchAsync(PipeWriter upstream, CancellationToken cancellationToken)
    {
        if (_batch.WrittenCount == 0)
        {
            return true;
        }

        await DecideBatchAsync(upstream, endsWithSync: false, cancellationToken).ConfigureAwait(false);
        return _refusedUntilSync is null;
    }

    /// <param name="holdingSync">The batch's closing Sync stays behind (<see cref="CopyInFlow"/>).</param>
    private void WriteBatch(PipeWriter upstream, bool holdingSync = false)
    {
        upstream.Write(holdingSync ? _batch.WrittenSpan[..^FrontendMessages.SyncFrame.Length] : _batch.WrittenSpan);
        ClearBatch();
    }

    private void ClearBatch()
    {
        // A huge batch (a bulk Bind) should not pin its buffer for the rest of the session.
        if (_batch.Capacity > RetainedBatchBytes)
        {
            _batch = new ArrayBufferWriter<byte>(1024);
        }

        _batch.ResetWrittenCount();
        ForgetCopyInBatch();
        _requests.Clear();
        _parsed.Clear();
        _describes.Clear();
    }
}
