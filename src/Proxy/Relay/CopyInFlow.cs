using OrleansGate.Proxy.Protocol;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// COPY FROM STDIN changes how the server reads the client's next messages (§55.2.6): in COPY-IN
/// mode it ignores Sync and Flush, and any other message aborts the COPY with an error. Whether a
/// COPY enters that mode is known only from the server's answer (CopyInResponse, or an error
/// first). The gateway counts one ReadyForQuery per Sync and Query it sends, so a Sync it counts
/// and the server ignores (or the reverse) would put every later reply out of step, and results
/// would be masked with another statement's decision. So the gateway follows the mode exactly:
/// after a request that may start a COPY FROM STDIN it reads no further client message until the
/// server has said whether it did; in COPY-IN mode it accepts only CopyData, CopyDone and CopyFail
/// (and Terminate); after an extended-protocol COPY, only those and then Sync, which is the one
/// whose ReadyForQuery the server answers (libpq, pgJDBC and Npgsql all send exactly that).
/// Anything else ends the session as a protocol violation, before it goes upstream.
/// </summary>
/// <remarks>
/// The client's loop calls <see cref="MayStart"/> (through the decision point, when it forwards
/// such a request), <see cref="MustWait"/>/<see cref="WaitAsync"/> and <see cref="Admit"/>; the
/// server's loop calls <see cref="OnServerFrame"/>. The wait hands the answer over.
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

    private TaskCompletionSource<bool>? _starting;
    private long _request = -1;
    private bool _extended;
    private Mode _mode;

    /// <summary>
    /// A request that may start COPY FROM STDIN went upstream; its replies come as ReadyForQuery
    /// number <paramref name="request"/>. <paramref name="extended"/>: it is an extended-protocol batch.
    /// </summary>
    public void MayStart(long request, bool extended)
    {
        _request = request;
        _extended = extended;
        _starting = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The server has not yet said whether the COPY started: the client's next message waits.</summary>
    public bool MustWait => _starting is { Task.IsCompleted: false };

    public Task WaitAsync(CancellationToken cancellationToken) =>
        _starting is { } starting ? starting.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// A frame from the server, while ReadyForQuery number <paramref name="answering"/> is the one
    /// owed next. False for a CopyInResponse no forwarded request could have started (the session
    /// must end: the gateway no longer knows how the server reads the client).
    /// </summary>
    public bool OnServerFrame(BackendMessageType type, long answering)
    {
        var mayStart = _starting is { Task.IsCompleted: false } && answering == _request;
        switch (type)
        {
            case BackendMessageType.CopyInResponse:
                return mayStart && _starting!.TrySetResult(true);
            case BackendMessageType.ErrorResponse or BackendMessageType.ReadyForQuery when mayStart:
                // The request failed (or ended) before any COPY began: the server reads messages as usual.
                _starting!.TrySetResult(false);
                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// Whether the client's next message may go on, given the mode the server reads it in: null to
    /// go on as usual, else why the session must end. Called after any <see cref="WaitAsync"/>.
    /// </summary>
    public string? Admit(FrontendMessageType type)
    {
        if (_starting is { Task.IsCompleted: true } answered)
        {
            _mode = answered.Task.Result ? Mode.Copying : Mode.None;
            _starting = null;
        }

        if (type == FrontendMessageType.Terminate)
        {
            return null;
        }

        switch (_mode)
        {
            case Mode.Copying when type is FrontendMessageType.CopyDone or FrontendMessageType.CopyFail:
                _mode = _extended ? Mode.AwaitingSync : Mode.None;
                return null;
            case Mode.Copying when type == FrontendMessageType.CopyData:
                return null;
            case Mode.Copying:
                return $"{MessageTypeNames.Printable((byte)type)} during COPY FROM STDIN: only CopyData, CopyDone and CopyFail are accepted until the COPY ends";
            case Mode.AwaitingSync when type is FrontendMessageType.CopyData or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail:
                // The server drops these once the COPY has ended.
                return null;
            case Mode.AwaitingSync when type == FrontendMessageType.Sync:
                _mode = Mode.None;
                return null;
            case Mode.AwaitingSync:
                return $"{MessageTypeNames.Printable((byte)type)} after an extended-protocol COPY FROM STDIN: the gateway needs the Sync that ends it first";
            default:
                return null;
        }
    }
}
