using OrleansGate.Proxy.Protocol;

namespace OrleansGate.Proxy.Relay;

/// <summary>What the client loop does with a client message, given how the server will read it.</summary>
internal enum CopyInVerdict
{
    /// <summary>As usual.</summary>
    Go,
    /// <summary>Relay it untouched, without a new reply entry: the Sync that ends an extended COPY answers its batch's entry.</summary>
    Relay,
    /// <summary>End the session: the server would read it in a way the gateway cannot follow.</summary>
    Violation,
}

/// <summary>
/// COPY FROM STDIN changes how the server reads the client's next messages (§55.2.6): in COPY-IN
/// mode it ignores Sync and Flush, and any other message aborts the COPY with an error. Whether a
/// COPY enters that mode is known only from the server's answer (CopyInResponse, or an error
/// first), and a COPY can fail right after its CopyInResponse, before reading anything. The
/// gateway counts one ReadyForQuery per Sync and Query it sends, so a Sync it counts and the
/// server does not answer (or the reverse) would put every later reply out of step, and results
/// would be masked with another statement's decision. So the gateway makes the mode certain:
/// <list type="bullet">
/// <item>the Sync that ends an extended batch running a COPY FROM STDIN is held back, and the client
/// loop waits for the server's answer right after forwarding such a request: a COPY that did not
/// start gets the held Sync; one that started never sees it, and the Sync the client sends after
/// CopyDone or CopyFail answers the batch instead (it is relayed without a reply entry of its own);</item>
/// <item>a COPY in a stretch of the extended protocol that already failed is skipped by the server
/// up to the next Sync: it is known not to start, so the wait ends at once;</item>
/// <item>in COPY-IN mode only CopyData, CopyDone and CopyFail (and Terminate) are accepted; after an
/// extended COPY only those and then Sync. Anything else ends the session before it goes
/// upstream (libpq, pgJDBC, Npgsql and psycopg2 send exactly the accepted sequences).</item>
/// </list>
/// </summary>
/// <remarks>
/// The client loop calls <see cref="MayStart"/> (through the decision point), <see cref="Pending"/>,
/// <see cref="WaitAsync"/>, <see cref="ReleaseHeldSync"/> and <see cref="Admit"/>; the server loop
/// calls <see cref="OnServerFrame"/>. A lock orders what the server loop saw against a new COPY.
/// </remarks>
internal sealed class CopyInFlow
{
    private enum Mode
    {
        /// <summary>No COPY FROM STDIN under way: messages go as usual.</summary>
        None,
        /// <summary>The server is in COPY-IN mode.</summary>
        Copying,
        /// <summary>An extended-protocol COPY ended: the server needs a Sync before anything else counts.</summary>
        AwaitingSync,
    }

    private readonly Lock _gate = new();
    private TaskCompletionSource<bool>? _starting;
    private long _request = -1;
    private long _failedRequest = -1;
    private bool _extended;
    private bool _syncHeld;
    private bool _syncOwed;
    private Mode _mode;

    /// <summary>
    /// A request that may start COPY FROM STDIN went upstream; its replies come as ReadyForQuery
    /// number <paramref name="request"/>. <paramref name="extended"/>: an extended-protocol batch;
    /// <paramref name="syncHeld"/>: its closing Sync was kept back (<see cref="ReleaseHeldSync"/>).
    /// </summary>
    public void MayStart(long request, bool extended, bool syncHeld)
    {
        lock (_gate)
        {
            _request = request;
            _extended = extended;
            _syncHeld = syncHeld;
            _starting = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (extended && _failedRequest == request)
            {
                // An error already came in this stretch of the extended protocol: the server skips up to Sync.
                _starting.TrySetResult(false);
            }
        }
    }

    /// <summary>A COPY FROM STDIN went upstream whose start the client loop has not settled yet (<see cref="WaitAsync"/>, then <see cref="ReleaseHeldSync"/>).</summary>
    public bool Pending => _starting is not null;

    public Task WaitAsync(CancellationToken cancellationToken) =>
        _starting is { } starting ? starting.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// After the wait: true when the held Sync must go upstream now (the COPY did not start, so the
    /// server answers that Sync). The mode the server reads in is settled from here on.
    /// </summary>
    public bool ReleaseHeldSync()
    {
        if (_starting is not { Task.IsCompleted: true } answered)
        {
            return false;
        }

        var started = answered.Task.Result;
        _starting = null;
        _mode = started ? Mode.Copying : Mode.None;
        _syncOwed = started && _syncHeld;
        var release = !started && _syncHeld;
        _syncHeld = false;
        return release;
    }

    /// <summary>
    /// A frame from the server, while ReadyForQuery number <paramref name="answering"/> is the one
    /// owed next. False for a CopyInResponse no forwarded request could have started (the session
    /// must end: the gateway no longer knows how the server reads the client).
    /// </summary>
    public bool OnServerFrame(BackendMessageType type, long answering)
    {
        if (type is not (BackendMessageType.CopyInResponse or BackendMessageType.ErrorResponse or BackendMessageType.ReadyForQuery))
        {
            return true;
        }

        lock (_gate)
        {
            var mayStart = _starting is { Task.IsCompleted: false } && answering == _request;
            switch (type)
            {
                case BackendMessageType.CopyInResponse:
                    return mayStart && _starting!.TrySetResult(true);
                case BackendMessageType.ErrorResponse:
                    // In the extended protocol the server now skips up to the next Sync.
                    _failedRequest = answering;
                    if (mayStart)
                    {
                        _starting!.TrySetResult(false);
                    }

                    return true;
                default:
                    if (mayStart)
                    {
                        _starting!.TrySetResult(false);
                    }

                    return true;
            }
        }
    }

    /// <summary>How the client's next message may go, given the mode the server reads it in; <paramref name="why"/> for a violation.</summary>
    public CopyInVerdict Admit(FrontendMessageType type, out string? why)
    {
        why = null;
        if (type == FrontendMessageType.Terminate)
        {
            return CopyInVerdict.Go;
        }

        switch (_mode)
        {
            case Mode.Copying when type is FrontendMessageType.CopyDone or FrontendMessageType.CopyFail:
                _mode = _extended ? Mode.AwaitingSync : Mode.None;
                return CopyInVerdict.Go;
            case Mode.Copying when type == FrontendMessageType.CopyData:
                return CopyInVerdict.Go;
            case Mode.Copying:
                why = $"{MessageTypeNames.Printable((byte)type)} during COPY FROM STDIN: only CopyData, CopyDone and CopyFail are accepted until the COPY ends";
                return CopyInVerdict.Violation;
            case Mode.AwaitingSync when type is FrontendMessageType.CopyData or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail:
                // The server drops these once the COPY has ended.
                return CopyInVerdict.Go;
            case Mode.AwaitingSync when type == FrontendMessageType.Sync:
                _mode = Mode.None;
                var owed = _syncOwed;
                _syncOwed = false;
                return owed ? CopyInVerdict.Relay : CopyInVerdict.Go;
            case Mode.AwaitingSync:
                why = $"{MessageTypeNames.Printable((byte)type)} after an extended-protocol COPY FROM STDIN: the gateway needs the Sync that ends it first";
                return CopyInVerdict.Violation;
            default:
                return CopyInVerdict.Go;
        }
    }
}
