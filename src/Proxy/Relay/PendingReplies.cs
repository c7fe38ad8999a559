using System.Buffers;
using System.Collections.Concurrent;
using OrleansGate.Grains.Sessions;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// One entry per ReadyForQuery the upstream server owes the client, in order. Every Query, Sync
/// and FunctionCall sent upstream earns exactly one ReadyForQuery (§55.2.2–55.2.3), including the
/// Sync the gateway sends in place of a refused request. A refused request's entry carries the
/// ErrorResponse to put in front of that ReadyForQuery, so the client gets the refusal in the
/// right place among its pipelined replies and with the server's true transaction status.
/// A forwarded request's entry carries the sequence numbers of its statements, so the server's
/// CommandComplete / ErrorResponse replies can be matched to them as outcomes for the record.
/// </summary>
internal sealed class PendingReplies(TimeProvider clock)
{
    private sealed class Entry(byte[]? beforeReady, long[] statements, long group, bool extended = false, Masking.StatementMasking?[]? masking = null,
        bool injected = false)
    {
        /// <summary>A Query of the gateway's own: none of its replies, its ReadyForQuery included, goes to the client.</summary>
        public bool Injected { get; } = injected;

        /// <summary>How each statement's results are masked, aligned with <see cref="Statements"/>.</summary>
        public Masking.StatementMasking?[] Masking { get; } = masking ?? [];

        /// <summary>The request (messages up to Sync, a Query, a FunctionCall) this ReadyForQuery ends, as <see cref="Names.SessionNames"/> counts them.</summary>
        public long Group { get; } = group;

        /// <summary>What the client gets right before this ReadyForQuery: a refused request's ErrorResponse, or the gateway's own messages.</summary>
        public byte[]? BeforeReady { get; } = beforeReady;

        /// <summary>An extended-protocol batch ended by Sync.</summary>
        public bool Extended { get; } = extended;

        public long[] Statements { get; } = statements;

        public int Next { get; set; }
    }

    private readonly ConcurrentQueue<Entry> _queue = new();
    private readonly ConcurrentQueue<StatementOutcome> _completed = new();
    private CopyInput? _copyInput;
    private long _expected;
    private long _answered;

    public PendingReplies()
        : this(TimeProvider.System)
    {
    }

    /// <summary>The session's prepared statements and portals, as the replies confirm changes to them.</summary>
    public Names.SessionNames Names { get; } = new();

    /// <summary>Whether the server reads the client's messages in COPY-IN mode, which ignores Sync.</summary>
    public CopyInFlow CopyIn { get; } = new();

    /// <summary>
    /// The request went upstream; relay its ReadyForQuery as it is, after <paramref name="beforeReady"/>
    /// when given (messages of the gateway's own for the client, such as a ParameterStatus).
    /// </summary>
    public void ExpectForwarded(long[]? statements = null, bool extended = false, Masking.StatementMasking?[]? masking = null, long group = 0,
        byte[]? beforeReady = null)
    {
        _queue.Enqueue(new Entry(beforeReady, statements ?? [], group, extended, masking));
        Interlocked.Increment(ref _expected);
    }

    /// <summary>How many ReadyForQuery replies the requests sent so far earn; the next request's replies carry this number.</summary>
    public long ExpectedCount => Interlocked.Read(ref _expected);

    /// <summary>How many ReadyForQuery replies have arrived: the replies now coming belong to request number AnsweredCount.</summary>
    public long AnsweredCount => Interlocked.Read(ref _answered);

    /// <summary>Requests went upstream whose ReadyForQuery has not come back yet.</summary>
    public bool HasUnanswered => AnsweredCount < ExpectedCount;

    /// <summary>
    /// The gateway stops waiting for the server's answers (the client left, the wait ran out):
    /// every statement not answered yet gets an <see cref="OutcomeKind.Unknown"/> outcome saying why.
    /// </summary>
    public void GiveUp(string why)
    {
        while (_queue.TryDequeue(out var entry))
        {
            for (; entry.Next < entry.Statements.Length; entry.Next++)
            {
                _completed.Enqueue(new StatementOutcome(entry.Statements[entry.Next], OutcomeKind.Unknown, null, null, null, why, clock.GetUtcNow()));
            }

            Interlocked.Increment(ref _answered);
        }
    }

    /// <summary>For a simple Query: the masking of the statement whose replies are coming now.</summary>
    public Masking.StatementMasking? CurrentMasking() =>
        _queue.TryPeek(out var entry) && !entry.Extended && entry.Next < entry.Masking.Length ? entry.Masking[entry.Next] : null;

    /// <summary>The gateway sent a Query of its own behind the client's requests; its replies are dropped.</summary>
    public void ExpectInjected()
    {
        _queue.Enqueue(new Entry(null, [], -1, injected: true));
        Interlocked.Increment(ref _expected);
    }

    /// <summary>The replies coming now answer a Query of the gateway's own: not for the client, not for the record.</summary>
    public bool AnsweringInjected => _queue.TryPeek(out var entry) && entry.Injected;

    /// <summary>The request was refused and a Sync went in its place; answer with this error first.</summary>
    public void ExpectRefused(byte[] errorResponse, long group = 0)
    {
        _queue.Enqueue(new Entry(errorResponse, [], group));
        Interlocked.Increment(ref _expected);
    }

    /// <summary>Called for each ReadyForQuery from upstream (with its transaction status): the error to send before it, if any.</summary>
    public byte[]? NextReadyForQuery(byte status = (byte)'I')
    {
        if (!_queue.TryDequeue(out var entry))
        {
            return null;
        }

        FinishStatements(entry);
        Interlocked.Increment(ref _answered);
        if (entry.Injected)
        {
            // It ends no request of the client's: no names, no transaction of the client's ended here.
            return null;
        }

        // Names the server never confirmed do not exist on it; a finished transaction takes its portals.
        Names.Finished(entry.Group, status);
        return entry.BeforeReady;
    }

    // Statements the server never reached (an earlier one of the batch failed) did not run.
    private void FinishStatements(Entry entry)
    {
        for (; entry.Next < entry.Statements.Length; entry.Next++)
        {
            _completed.Enqueue(new StatementOutcome(entry.Statements[entry.Next], OutcomeKind.NotRun, null, null, null, null, clock.GetUtcNow()));
        }
    }

    /// <summary>Matches a server reply that ends a statement to the next statement of the current request.</summary>
    /// <summary>The client ended COPY FROM STDIN: its data goes with the COPY's outcome, the next one the server reports.</summary>
    public void NoteCopyInput(CopyInput input) => Volatile.Write(ref _copyInput, input);

    public void Observe(BackendMessageType type, in ReadOnlySequence<byte> payload, IReadOnlyList<MaskedValueCount>? masked = null,
        ResultPreview? preview = null)
    {
        if (type is BackendMessageType.ParseComplete or BackendMessageType.BindComplete or BackendMessageType.CloseComplete)
        {
            Names.ConfirmMessage();
            return;
        }

        if (type == BackendMessageType.ErrorResponse)
        {
            // The transaction in progress will roll back: cursors it declared WITH HOLD do not survive.
            Names.Failed();
        }

        if (!_queue.TryPeek(out var entry) || entry.Next >= entry.Statements.Length)
        {
            if (type == BackendMessageType.CommandComplete && CommandComplete.TryDecode(payload, out var unmatched))
            {
                Names.ConfirmStatement(0, unmatched.Tag);
            }

            return;
        }

        var sequence = entry.Statements[entry.Next];
        StatementOutcome? outcome = type switch
        {
            BackendMessageType.CommandComplete when CommandComplete.TryDecode(payload, out var complete) =>
                new(sequence, OutcomeKind.Completed, complete.Tag, complete.Rows, null, null, clock.GetUtcNow()),
            BackendMessageType.EmptyQueryResponse => new(sequence, OutcomeKind.Completed, null, 0, null, null, clock.GetUtcNow()),
            BackendMessageType.PortalSuspended => new(sequence, OutcomeKind.Suspended, null, null, null, null, clock.GetUtcNow()),
            BackendMessageType.ErrorResponse when ErrorResponse.TryDecode(payload, out var error) =>
                new(sequence, OutcomeKind.Failed, null, null, error.SqlState, error.Message, clock.GetUtcNow()),
            _ => null,
        };
        if (outcome is not null)
        {
            if (outcome.Kind == OutcomeKind.Completed)
            {
                Names.ConfirmStatement(sequence, outcome.CommandTag);
            }

            entry.Next++;
            if (masked is { Count: > 0 })
            {
                outcome = outcome with { MaskedValues = masked };
            }

            if (outcome.Kind != OutcomeKind.Suspended && Interlocked.Exchange(ref _copyInput, null) is { } copyIn)
            {
                outcome = outcome with { CopyIn = copyIn };
            }

            _completed.Enqueue(preview is null ? outcome : outcome with { Preview = preview });
        }
    }

    /// <summary>The outcomes seen since the last call, for the next write to the record.</summary>
    public IReadOnlyList<StatementOutcome> DrainCompleted()
    {
        if (_completed.IsEmpty)
        {
            return [];
        }

        var drained = new List<StatementOutcome>();
        while (_completed.TryDequeue(out var outcome))
        {
            drained.Add(outcome);
        }

        return drained;
    }
}
