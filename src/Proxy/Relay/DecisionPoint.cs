using System.Buffers;
using System.IO.Pipelines;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Decisions;
using OrleansGate.Proxy.Masking;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Frontend;
using OrleansGate.Proxy.Sql;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// Where the client's requests are stopped until they are decided. A Query or FunctionCall is
/// decided on its own; the extended protocol is buffered up to Sync (or Flush) and decided as one
/// batch, with the SQL each Execute runs (from its Bind's statement) and its parameters. Nothing
/// of a batch goes upstream before the whole batch is allowed; a refused batch is replaced by a
/// Sync so the client gets ErrorResponse and ReadyForQuery with the server's true status.
/// </summary>
internal sealed class DecisionPoint(ISessionDecider decider, SqlParser parser, PendingReplies replies, int maxBatchBytes,
    Masking.ResultMasking? masking = null, Approvals.ClientCancelSignal? cancels = null, Func<bool>? inTransaction = null)
{
    private static readonly byte[] SyncFrame = [(byte)FrontendMessageType.Sync, 0, 0, 0, 4];

    // Prepared statements (protocol-level and SQL PREPARE share one namespace) and portals, by name.
    private readonly Dictionary<string, PreparedStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BoundPortal> _portals = new(StringComparer.Ordinal);

    private const int RetainedBatchBytes = 1024 * 1024;

    private ArrayBufferWriter<byte> _batch = new(1024);
    private readonly List<StatementRequest> _requests = [];
    private readonly List<(string Sql, bool Executed)> _parsed = [];
    private readonly List<Action> _undo = [];

    // The Describes of the batch in order: the client's own, and the gateway's before each Execute
    // (with the index of the Execute's request), so masking knows every portal's columns.
    private readonly List<(bool Injected, int Request)> _describes = [];
    private byte[]? _refusal;
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
        while (replies.TryTakeUnconfirmedNameChange(out var undo))
        {
            undo();
        }

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
            case FrontendMessageType.Query:
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

                frame.Whole.CopyTo(_batch);
                return Track(type, frame);
        }
    }

    private void NoteDescribe(FrontendMessageType type, Frame frame)
    {
        if (type == FrontendMessageType.Describe)
        {
            _describes.Add((false, -1));
        }
        else if (type == FrontendMessageType.Execute && ExecuteMessage.TryDecode(frame.Payload, out var execute))
        {
            using var builder = new MessageBuilder();
            builder.Start((byte)FrontendMessageType.Describe).WriteByte((byte)StatementOrPortal.Portal).WriteCString(execute.PortalName).Finish();
            _batch.Write(builder.WrittenSpan);
            _describes.Add((true, _requests.Count));
        }
    }

    private string? Track(FrontendMessageType type, Frame frame)
    {
        switch (type)
        {
            case FrontendMessageType.Parse:
                if (!ParseMessage.TryDecode(frame.Payload, out var parse))
                {
                    return "malformed Parse message";
                }

                if (parse.StatementName.Length > 0 && _statements.ContainsKey(parse.StatementName))
                {
                    // PostgreSQL's own answer; refusing it here keeps the gateway's names the server's.
                    _refusal ??= Error(Decision.Block("duplicate-statement", $"prepared statement \"{parse.StatementName}\" already exists", "42P05"));
                    return null;
                }

                SetWithUndo(_statements, parse.StatementName, new PreparedStatement(parse.Sql, parse.ParameterTypes));
                _parsed.Add((parse.Sql, false));
                return null;
            case FrontendMessageType.Bind:
                if (!BindMessage.TryDecode(frame.Payload, out var bind))
                {
                    return "malformed Bind message";
                }

                if (!_statements.TryGetValue(bind.StatementName, out var statement))
                {
                    // PostgreSQL's own answer (26000); the gateway never binds what it has not seen parsed.
                    _refusal ??= Error(Decision.Block("unknown-statement", $"prepared statement \"{bind.StatementName}\" does not exist", "26000"));
                    return null;
                }

                SetWithUndo(_portals, bind.PortalName, new BoundPortal(statement.Sql, ParameterText.Of(bind.Parameters, statement.ParameterTypes)));
                return null;
            case FrontendMessageType.Execute:
                if (!ExecuteMessage.TryDecode(frame.Payload, out var execute))
                {
                    return "malformed Execute message";
                }

                if (!_portals.TryGetValue(execute.PortalName, out var portal))
                {
                    _refusal ??= Error(Decision.Block("unknown-portal", $"portal \"{execute.PortalName}\" does not exist", "34000"));
                    return null;
                }

                MarkExecuted(portal.Sql);
                _requests.AddRange(parser.Parse(portal.Sql).Select(s => new StatementRequest(s, StatementPhase.Execute, portal.Parameters)));
                return null;
            case FrontendMessageType.Close:
                if (!CloseMessage.TryDecode(frame.Payload, out var close))
                {
                    return "malformed Close message";
                }

                if (close.Kind == StatementOrPortal.Statement)
                {
                    RemoveWithUndo(_statements, close.Name);
                }
                else
                {
                    RemoveWithUndo(_portals, close.Name);
                }

                return null;
            case FrontendMessageType.Describe:
                return DescribeMessage.TryDecode(frame.Payload, out _) ? null : "malformed Describe message";
            default:
                return $"unexpected frontend message type {MessageTypeNames.Printable((byte)type)}";
        }
    }

    private async ValueTask<string?> DecideSingleAsync(IReadOnlyList<StatementRequest> requests, Frame frame, PipeWriter upstream,
        CancellationToken cancellationToken)
    {
        var (refusal, running, runningMasking, _) = await DecideAsync(requests, upstream, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            RefuseWithSync(upstream, refusal);
            return null;
        }

        TrackSqlPreparedStatements(requests);
        if (frame.Type == (byte)FrontendMessageType.Query)
        {
            // A simple Query replaces the unnamed statement and portal on the server (§55.2.2).
            _statements.Remove(string.Empty);
            _portals.Remove(string.Empty);
        }

        replies.ExpectForwarded(running, masking: runningMasking);
        frame.Whole.CopyTo(upstream);
        return null;
    }

    private async ValueTask DecideBatchAsync(PipeWriter upstream, bool endsWithSync, CancellationToken cancellationToken)
    {
        foreach (var (sql, executed) in _parsed)
        {
            if (!executed)
            {
                _requests.AddRange(parser.Parse(sql).Select(s => new StatementRequest(s, StatementPhase.Prepare, [])));
            }
        }

        var (refusal, running, runningMasking, requestMasking) = _refusal is not null
            ? (_refusal, [], [], [])
            : await DecideAsync(_requests, upstream, cancellationToken).ConfigureAwait(false);
        if (refusal is null)
        {
            TrackSqlPreparedStatements(_requests);
            var nameChanges = _undo.ToArray();
            foreach (var (injected, request) in _describes)
            {
                masking!.ExpectDescribe(injected, injected && request < requestMasking.Length ? requestMasking[request] : null);
            }

            WriteBatch(upstream);
            if (endsWithSync)
            {
                // Outcomes are matched per ReadyForQuery; a batch forwarded at Flush has none to
                // wait for, so its statements' outcomes are not recorded.
                replies.ExpectForwarded(running, extended: true, nameChanges: nameChanges, masking: runningMasking);
                _flushedWithoutSync = false;
            }
            else
            {
                _flushedWithoutSync = true;
            }

            return;
        }

        // Nothing of a refused batch happened upstream: forget the names it would have created.
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            _undo[i]();
        }

        ClearBatch();
        if (endsWithSync)
        {
            RefuseWithSync(upstream, refusal);
        }
        else
        {
            _refusedUntilSync = refusal;
        }
    }

    /// <summary>
    /// A refused request goes upstream as a bare Sync; its error is put before the ReadyForQuery
    /// the server answers that Sync with. A Sync also closes any batch forwarded at Flush.
    /// </summary>
    private void RefuseWithSync(PipeWriter upstream, byte[] refusal)
    {
        replies.ExpectRefused(refusal);
        upstream.Write(SyncFrame);
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

    private void WriteBatch(PipeWriter upstream)
    {
        upstream.Write(_batch.WrittenSpan);
        ClearBatch();
    }

    /// <summary>
    /// The error to refuse the requests with, or null when every one is allowed; then also the
    /// sequence numbers of the statements that will run (a prepare-only Parse produces no outcome).
    /// </summary>
    private async ValueTask<(byte[]? Refusal, long[] Running, StatementMasking?[] RunningMasking, StatementMasking?[] RequestMasking)> DecideAsync(
        IReadOnlyList<StatementRequest> requests, PipeWriter upstream, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return (null, [], [], []);
        }

        // Whatever was already decided goes out before this wait, not after it.
        if (upstream.CanGetUnflushedBytes && upstream.UnflushedBytes > 0)
        {
            await upstream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        var decisions = await decider.DecideAsync(requests, replies.DrainCompleted(),
            inTransaction?.Invoke() == true || replies.ExpectedCount > replies.AnsweredCount, cancellationToken).ConfigureAwait(false);
        var refused = decisions.FirstOrDefault(d => d.Action == PolicyAction.Block)
                      ?? decisions.FirstOrDefault(d => d.Action == PolicyAction.Hold && (d.Approval is null || _notifyClient is null || cancels is null));
        if (refused is not null)
        {
            return (Error(refused), [], [], []);
        }

        if (decisions.FirstOrDefault(d => d.Action == PolicyAction.Hold) is { Approval: { } approval })
        {
            // The whole request waits on one approval, before any of it goes upstream.
            if (await Approvals.HeldRequest.WaitAsync(approval, decider, cancels!, _notifyClient!, cancellationToken).ConfigureAwait(false)
                is { } notApproved)
            {
                return (Error(notApproved), [], [], []);
            }
        }

        var requestMasking = new StatementMasking?[requests.Count];
        if (decisions.Any(d => d.Mask is not null))
        {
            if (masking is null)
            {
                // The policy began to mask after this session started: its extended-protocol
                // results cannot be attributed, so nothing runs until the client reconnects.
                return (Error(Decision.Block("masking:session", "the target's masking changed since this session began; reconnect",
                    "55000")), [], [], []);
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
                return (Error(Decision.Block("masking:unavailable", $"statement refused: {e.Message}",
                    Grains.Masking.MaskingDefaults.CatalogUnavailableSqlState)), [], [], []);
            }
        }

        var running = Enumerable.Range(0, requests.Count).Where(i => requests[i].Phase != StatementPhase.Prepare && decisions[i].Sequence > 0).ToArray();
        return (null, running.Select(i => decisions[i].Sequence).ToArray(), running.Select(i => requestMasking[i]).ToArray(), requestMasking);
    }

    private IReadOnlyList<StatementRequest> QueryRequests(string sql) =>
        parser.Parse(sql).Select(s => new StatementRequest(s, StatementPhase.Query, [])).ToArray();

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

    // SQL-level PREPARE and DEALLOCATE change the same namespace Bind looks statements up in.
    private void TrackSqlPreparedStatements(IReadOnlyList<StatementRequest> requests)
    {
        foreach (var statement in requests.Select(r => r.Statement))
        {
            switch (statement.Kind)
            {
                case StatementKind.Prepare when statement.ObjectName is { } name:
                    _statements[name] = new PreparedStatement(statement.Sql, []);
                    break;
                case StatementKind.Deallocate when statement.ObjectName is { } name:
                    _statements.Remove(name);
                    break;
                case StatementKind.Deallocate:
                case StatementKind.Other when statement.Command == "DiscardStmt":
                    _statements.Clear();
                    break;
            }
        }
    }

    /// <summary>A prepared statement's text and the parameter types its Parse declared (0 = unspecified).</summary>
    private sealed record PreparedStatement(string Sql, IReadOnlyList<uint> ParameterTypes);

    /// <summary>A portal: the SQL its statement runs and the Bind's parameters as recorded.</summary>
    private sealed record BoundPortal(string Sql, IReadOnlyList<string?> Parameters);

    private byte[] Error(Decision decision)
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

    private void MarkExecuted(string sql)
    {
        for (var i = 0; i < _parsed.Count; i++)
        {
            if (_parsed[i].Sql == sql)
            {
                _parsed[i] = (sql, true);
            }
        }
    }

    // Each Parse, Bind and Close of a batch leaves one undo step, in message order: the server
    // confirms them one for one (ParseComplete, BindComplete, CloseComplete), and the steps it
    // never confirmed (an earlier message failed) are undone. A step only undoes its own change,
    // so it cannot clobber a name a later batch has set since.
    private void SetWithUndo<TValue>(Dictionary<string, TValue> map, string name, TValue value)
        where TValue : class
    {
        var had = map.TryGetValue(name, out var old);
        _undo.Add(() =>
        {
            if (map.TryGetValue(name, out var now) && ReferenceEquals(now, value))
            {
                if (had)
                {
                    map[name] = old!;
                }
                else
                {
                    map.Remove(name);
                }
            }
        });
        map[name] = value;
    }

    private void RemoveWithUndo<TValue>(Dictionary<string, TValue> map, string name)
        where TValue : class
    {
        if (map.Remove(name, out var old))
        {
            _undo.Add(() => map.TryAdd(name, old));
        }
        else
        {
            _undo.Add(static () => { });
        }
    }

    private void ClearBatch()
    {
        // A huge batch (a bulk Bind) should not pin its buffer for the rest of the session.
        if (_batch.Capacity > RetainedBatchBytes)
        {
            _batch = new ArrayBufferWriter<byte>(1024);
        }

        _batch.ResetWrittenCount();
        _requests.Clear();
        _parsed.Clear();
        _undo.Clear();
        _describes.Clear();
        _refusal = null;
    }
}
