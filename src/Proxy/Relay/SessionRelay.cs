using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// Relays an established session: one loop carries client frames upstream, the other carries
/// server frames back. Each loop cuts whole frames out of what it has read, checks the type
/// and the length (before buffering), and forwards every untouched run of frames with one copy
/// into the other side's pipe and one flush per read. Only the few frames that need it are
/// decoded: ReadyForQuery (transaction status), ParameterStatus (the upstream role is replaced
/// by the client's identity) and errors or notices that quote an upstream credential.
/// </summary>
public sealed class SessionRelay
{
    private readonly PipeReader _clientIn;
    private PipeWriter _clientOut;
    private readonly PipeReader _upstreamIn;
    private readonly PipeWriter _upstreamOut;
    private readonly int _maxMessageBytes;
    private readonly CredentialScrubber _scrubber;
    private readonly string _identityName;
    private readonly DecisionPoint _decisions;
    private readonly PendingReplies _replies;
    private readonly Masking.ResultMasking? _masking;
    private readonly PreviewCapture? _preview;
    private readonly ArrayBufferWriter<byte> _masked = new(1024);
    private readonly CopyInputDigest _copyIn = new();

    // The server loop writes to the client; the client loop does too, rarely (a held request's NOTICE).
    private readonly SemaphoreSlim _clientWrite = new(1, 1);
    private volatile TransactionStatus _status;

    // Set when the client's Terminate is relayed: the server then closes, and its loop may see
    // that close before the client's loop has returned.
    private volatile bool _terminateRelayed;

    internal SessionRelay(PipeReader clientIn, PipeWriter clientOut, PipeReader upstreamIn, PipeWriter upstreamOut,
        int maxMessageBytes, CredentialScrubber scrubber, string identityName, TransactionStatus initialStatus,
        DecisionPoint decisions, PendingReplies replies, Masking.ResultMasking? masking = null, int previewRows = 0)
    {
        _masking = masking;
        _preview = previewRows > 0 ? new PreviewCapture(previewRows) : null;
        _decisions = decisions;
        _replies = replies;
        _clientIn = clientIn;
        _clientOut = clientOut;
        _upstreamIn = upstreamIn;
        _upstreamOut = upstreamOut;
        _maxMessageBytes = maxMessageBytes;
        _scrubber = scrubber;
        _identityName = identityName;
        _status = initialStatus;
        decisions.AttachClientWriter(SendToClientAsync);
    }

    /// <summary>Writes a whole message to the client between the server loop's writes.</summary>
    private async ValueTask SendToClientAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _clientWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _clientOut.Write(message.Span);
            await _clientOut.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _clientWrite.Release();
        }
    }

    /// <summary>The transaction status of the last ReadyForQuery relayed.</summary>
    public TransactionStatus TransactionStatus => _status;

    /// <summary>
    /// How long the gateway keeps reading the server's answers after the client left with
    /// statements running: a write the client sent commits whether or not anyone reads its answer,
    /// and the record should say how it ended.
    /// </summary>
    public static readonly TimeSpan AnswersAfterClientLeft = TimeSpan.FromSeconds(30);

    /// <summary>Runs both directions until either ends, then stops the other and reports why it ended.</summary>
    public async Task<RelayOutcome> RunAsync(CancellationToken stopping)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var clientToUpstream = ClientToUpstreamAsync(both.Token);
        var upstreamToClient = UpstreamToClientAsync(both.Token);
        var first = await Task.WhenAny(clientToUpstream, upstreamToClient).ConfigureAwait(false);
        if (first == clientToUpstream && !stopping.IsCancellationRequested &&
            (await clientToUpstream.ConfigureAwait(false)).End is RelayEnd.ClientClosed or RelayEnd.ClientTerminated && _replies.HasUnanswered)
        {
            upstreamToClient = await ReadAnswersAfterClientLeftAsync(upstreamToClient, both.Token).ConfigureAwait(false);
        }

        await both.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(clientToUpstream, upstreamToClient).ConfigureAwait(false);
        if (stopping.IsCancellationRequested)
        {
            return RelayOutcome.Stopped;
        }

        // A server closing after the client's Terminate is the client ending the session, not a lost connection.
        var outcome = await first.ConfigureAwait(false);
        return outcome.End == RelayEnd.UpstreamClosed && _terminateRelayed ? RelayOutcome.ClientTerminated : outcome;
    }

    /// <summary>
    /// The client is gone but statements it sent are still running: keep reading the server's
    /// answers into the record (sent nowhere) until every request is answered, the server closes,
    /// or <see cref="AnswersAfterClientLeft"/> passes; what is still unanswered then is recorded as unknown.
    /// </summary>
    private async Task<Task<RelayOutcome>> ReadAnswersAfterClientLeftAsync(Task<RelayOutcome> upstreamToClient, CancellationToken cancellationToken)
    {
        await _clientWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        _clientOut = PipeWriter.Create(Stream.Null);
        _clientWrite.Release();
        var deadline = Task.Delay(AnswersAfterClientLeft, cancellationToken);
        while (_replies.HasUnanswered && !deadline.IsCompleted && !cancellationToken.IsCancellationRequested)
        {
            if (upstreamToClient.IsCompleted)
            {
                // It stopped writing to the departed client; reading goes on with nowhere to write.
                if ((await upstreamToClient.ConfigureAwait(false)).End != RelayEnd.ClientClosed)
                {
                    break;
                }

                upstreamToClient = UpstreamToClientAsync(cancellationToken);
            }

            await Task.WhenAny(upstreamToClient, deadline, Task.Delay(20, CancellationToken.None)).ConfigureAwait(false);
        }

        if (_replies.HasUnanswered)
        {
            _replies.GiveUp($"the client left while it ran; the server had not answered within {AnswersAfterClientLeft.TotalSeconds:0} s");
        }

        return upstreamToClient;
    }

    private async Task<RelayOutcome> ClientToUpstreamAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult read;
            try
            {
                read = await _clientIn.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsEnded(e, cancellationToken))
            {
                return cancellationToken.IsCancellationRequested ? RelayOutcome.Stopped : RelayOutcome.ClientClosed;
            }

            var buffer = read.Buffer;
            var remaining = buffer;
            var runStart = buffer.Start;
            RelayOutcome? end = null;
            while (end is null && FrameReader.TryPeekType(remaining, out var typeByte))
            {
                // The type is checked as soon as its byte is in, so an unknown message is refused
                // without waiting for (and buffering) the body its length announces.
                var type = (FrontendMessageType)typeByte;
                if (!MessageTypeNames.IsKnownSessionMessage(type))
                {
                    end = new RelayOutcome(RelayEnd.ClientProtocolViolation,
                        $"invalid frontend message type {MessageTypeNames.Printable(typeByte)}");
                    break;
                }

                var status = FrameReader.TryRead(remaining, _maxMessageBytes, out var frame);
                if (status == FrameStatus.Incomplete)
                {
                    break;
                }

                if (status != FrameStatus.Complete)
                {
                    end = Violation(RelayEnd.ClientProtocolViolation, remaining, status);
                    break;
                }

                switch (type)
                {
                    case FrontendMessageType.CopyData:
                        _copyIn.Add(frame.Payload);
                        break;
                    case FrontendMessageType.CopyDone or FrontendMessageType.CopyFail:
                        // Noted before the frame goes upstream, so before the server's answer to it.
                        _replies.NoteCopyInput(_copyIn.Finish(failed: type == FrontendMessageType.CopyFail));
                        break;
                }

                if (_decisions.Intercepts(type))
                {
                    // Frames relayed untouched so far go first; the decision point takes this one.
                    buffer.Slice(runStart, frame.Whole.Start).CopyTo(_upstreamOut);
                    runStart = frame.Whole.End;
                    string? problem;
                    try
                    {
                        problem = await _decisions.HandleAsync(type, frame, _upstreamOut, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsEnded(e, cancellationToken))
                    {
                        _clientIn.AdvanceTo(buffer.End);
                        return cancellationToken.IsCancellationRequested ? RelayOutcome.Stopped : RelayOutcome.UpstreamClosed;
                    }

                    if (problem is not null)
                    {
                        _clientIn.AdvanceTo(buffer.End);
                        return new RelayOutcome(RelayEnd.ClientProtocolViolation, problem);
                    }
                }

                remaining = remaining.Slice(frame.Length);
                if (type == FrontendMessageType.Terminate)
                {
                    end = RelayOutcome.ClientTerminated;
                    _terminateRelayed = true;
                }
            }

            if (end is { End: RelayEnd.ClientProtocolViolation })
            {
                // Nothing more of a read that breaks the protocol goes upstream. The outcome was
                // described above, while the buffer was still ours: after AdvanceTo its memory
                // goes back to the pipe's pool and may already hold other bytes.
                _clientIn.AdvanceTo(buffer.End);
                return end;
            }

            buffer.Slice(runStart, remaining.Start).CopyTo(_upstreamOut);
            var leftover = remaining.Length;
            _clientIn.AdvanceTo(remaining.Start, buffer.End);
            if (await FlushAsync(_upstreamOut, cancellationToken).ConfigureAwait(false) is { } flushEnd)
            {
                return flushEnd == RelayEnd.Stopped ? RelayOutcome.Stopped : RelayOutcome.UpstreamClosed;
            }

            if (end is not null)
            {
                return end;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                return leftover == 0
                    ? RelayOutcome.ClientClosed
                    : new RelayOutcome(RelayEnd.ClientProtocolViolation, "the connection ended in the middle of a message");
            }
        }
    }

    private async Task<RelayOutcome> UpstreamToClientAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult read;
            try
            {
                read = await _upstreamIn.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsEnded(e, cancellationToken))
            {
                return cancellationToken.IsCancellationRequested ? RelayOutcome.Stopped : RelayOutcome.UpstreamClosed;
            }

            try
            {
                await _clientWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _upstreamIn.AdvanceTo(read.Buffer.Start);
                return RelayOutcome.Stopped;
            }

            try
            {
                if (await RelayServerFramesAsync(read, cancellationToken).ConfigureAwait(false) is { } ended)
                {
                    return ended;
                }
            }
            finally
            {
                _clientWrite.Release();
            }
        }
    }

    /// <summary>Relays the whole frames of one read from the server; returns how the direction ended, or null to go on.</summary>
    private async ValueTask<RelayOutcome?> RelayServerFramesAsync(ReadResult read, CancellationToken cancellationToken)
    {
        var buffer = read.Buffer;
        var remaining = buffer;
        var runStart = buffer.Start;
        RelayOutcome? end = null;
        while (end is null)
        {
            var status = FrameReader.TryRead(remaining, _maxMessageBytes, out var frame);
            if (status == FrameStatus.Incomplete)
            {
                break;
            }

            if (status != FrameStatus.Complete)
            {
                end = Violation(RelayEnd.UpstreamProtocolViolation, remaining, status);
                break;
            }

            var type = (BackendMessageType)frame.Type;
            if (!MessageTypeNames.IsKnownSessionMessage(type))
            {
                end = new RelayOutcome(RelayEnd.UpstreamProtocolViolation,
                    $"unexpected backend message type {MessageTypeNames.Printable(frame.Type)}");
                break;
            }

            if (_replies.AnsweringInjected)
            {
                // A reply to the gateway's own Query (it put application_name back upstream): the
                // client never sees it; its ReadyForQuery ends it.
                buffer.Slice(runStart, frame.Whole.Start).CopyTo(_clientOut);
                runStart = frame.Whole.End;
                remaining = remaining.Slice(frame.Length);
                if (type == BackendMessageType.ReadyForQuery)
                {
                    _ = Inspect(type, frame, out _);
                    _replies.NextReadyForQuery((byte)_status);
                }

                continue;
            }

            var verdict = Masking.ServerFrameVerdict.Forward;
            if (_masking is not null)
            {
                _masked.ResetWrittenCount();
                verdict = _masking.Process(type, frame, _masked);
            }

            if (verdict is Masking.ServerFrameVerdict.Drop or Masking.ServerFrameVerdict.Replace)
            {
                // Masking's bytes go instead of the frame. What the frame means for the session's
                // bookkeeping (outcomes, COPY state) still counts, read from what the client gets
                // (its payload, after type and length): a withheld server error's own text may quote
                // a masked value, and neither the preview nor the audit record keeps more than the client saw.
                ReadOnlySequence<byte>? delivered = verdict == Masking.ServerFrameVerdict.Replace && _masked.WrittenCount > 5
                    ? new ReadOnlySequence<byte>(_masked.WrittenMemory[5..])
                    : null;
                if (delivered is { } replacement)
                {
                    Preview(type, replacement);
                }

                ObserveOutcome(type, delivered ?? frame.Payload);
                buffer.Slice(runStart, frame.Whole.Start).CopyTo(_clientOut);
                _clientOut.Write(_masked.WrittenSpan);
                runStart = frame.Whole.End;
                remaining = remaining.Slice(frame.Length);
                continue;
            }

            if (verdict == Masking.ServerFrameVerdict.Prepend)
            {
                buffer.Slice(runStart, frame.Whole.Start).CopyTo(_clientOut);
                _clientOut.Write(_masked.WrittenSpan);
                runStart = frame.Whole.Start;
            }

            var rewritten = Inspect(type, frame, out var malformed);
            if (malformed is not null)
            {
                // Fail closed: a frame the gateway cannot read may still quote a credential,
                // so it is not forwarded; the session ends instead.
                end = new RelayOutcome(RelayEnd.UpstreamProtocolViolation, malformed);
                break;
            }

            Preview(type, frame.Payload);
            ObserveOutcome(type, frame.Payload);

            if (type == BackendMessageType.ReadyForQuery && _replies.NextReadyForQuery((byte)_status) is { } refusal)
            {
                // A refused request: its ErrorResponse goes right before the ReadyForQuery of the Sync sent in its place.
                buffer.Slice(runStart, frame.Whole.Start).CopyTo(_clientOut);
                _clientOut.Write(refusal);
                runStart = frame.Whole.Start;
            }

            if (rewritten is not null)
            {
                buffer.Slice(runStart, frame.Whole.Start).CopyTo(_clientOut);
                _clientOut.Write(rewritten);
                runStart = frame.Whole.End;
            }

            remaining = remaining.Slice(frame.Length);
        }

        buffer.Slice(runStart, remaining.Start).CopyTo(_clientOut);
        var consumed = end is null ? remaining.Start : buffer.End;
        _upstreamIn.AdvanceTo(consumed, buffer.End);
        if (await FlushAsync(_clientOut, cancellationToken).ConfigureAwait(false) is { } flushEnd)
        {
            return flushEnd == RelayEnd.Stopped ? RelayOutcome.Stopped : RelayOutcome.ClientClosed;
        }

        if (end is not null)
        {
            return end;
        }

        if (read.IsCompleted || read.IsCanceled)
        {
            return RelayOutcome.UpstreamClosed;
        }

        return null;
    }

    private void Preview(BackendMessageType type, in ReadOnlySequence<byte> payload)
    {
        if (_preview is null)
        {
            return;
        }

        if (type == BackendMessageType.DataRow)
        {
            _preview.OnDataRow(payload);
        }
        else if (type == BackendMessageType.RowDescription)
        {
            _preview.OnRowDescription(payload);
        }
    }

    private void ObserveOutcome(BackendMessageType type, in ReadOnlySequence<byte> payload)
    {
        if (type == BackendMessageType.CopyInResponse)
        {
            _replies.CopyInStarted();
        }

        if (type is BackendMessageType.CommandComplete or BackendMessageType.EmptyQueryResponse
            or BackendMessageType.PortalSuspended or BackendMessageType.ErrorResponse or BackendMessageType.ParseComplete
            or BackendMessageType.BindComplete or BackendMessageType.CloseComplete)
        {
            var ends = type is BackendMessageType.CommandComplete or BackendMessageType.EmptyQueryResponse
                or BackendMessageType.PortalSuspended or BackendMessageType.ErrorResponse;
            _replies.Observe(type, payload, _masking?.TakeCounts(), ends ? _preview?.Take() : null);
        }
    }

    /// <summary>
    /// The session's application_name upstream and the client's own (its startup value): a
    /// ParameterStatus reporting the upstream one tells the client its own instead.
    /// </summary>
    public (string Upstream, string Client)? ApplicationNames { get; init; }

    /// <summary>
    /// Tracks state from a server frame; returns replacement bytes when the frame must be
    /// rewritten, or names why it cannot be relayed at all in <paramref name="malformed"/>.
    /// </summary>
    private byte[]? Inspect(BackendMessageType type, in Frame frame, out string? malformed)
    {
        malformed = null;
        switch (type)
        {
            case BackendMessageType.ReadyForQuery:
                // Read the status byte in place: this runs once per statement, so no decoding object.
                var payload = frame.Payload;
                Span<byte> status = stackalloc byte[1];
                if (payload.Length == 1)
                {
                    payload.CopyTo(status);
                    if (status[0] is (byte)'I' or (byte)'T' or (byte)'E')
                    {
                        _status = (TransactionStatus)status[0];
                    }
                }

                return null;
            case BackendMessageType.ParameterStatus:
                return RewriteParameterStatus(frame, out malformed);
            case BackendMessageType.ErrorResponse or BackendMessageType.NoticeResponse:
                // Decoded only when a credential may be in it, so the usual error costs one byte search.
                return _scrubber.MayContainSecret(frame.Payload) ? ScrubErrorOrNotice(type, frame, out malformed) : null;
            default:
                return null;
        }
    }

    // session_authorization reports the upstream role; the client is told its own identity instead.
    private byte[]? RewriteParameterStatus(in Frame frame, out string? malformed)
    {
        malformed = null;
        if (!ParameterStatus.TryDecode(frame.Payload, out var parameter))
        {
            malformed = "malformed ParameterStatus";
            return null;
        }

        if (!Startup.SqlReadingSettings.IsSafe(parameter.Name, parameter.Value))
        {
            // Fail closed: from here on the server would read statements differently from the gateway.
            malformed = $"the server switched {parameter.Name} to {parameter.Value}, under which the gateway cannot read SQL as the server does";
            return null;
        }

        string value;
        if (string.Equals(parameter.Name, "session_authorization", StringComparison.OrdinalIgnoreCase))
        {
            value = _identityName;
        }
        else if (ApplicationNames is var (upstreamName, clientName) && parameter.Name == "application_name" && parameter.Value == upstreamName)
        {
            // Back to the session's default (RESET, DISCARD ALL): the client's default is its own name.
            value = clientName;
        }
        else if (_scrubber.MayContainSecret(frame.Payload))
        {
            value = _scrubber.Scrub(parameter.Value);
        }
        else
        {
            return null;
        }

        using var builder = new MessageBuilder();
        return builder.ParameterStatus(parameter.Name, value).ToArray();
    }

    private byte[]? ScrubErrorOrNotice(BackendMessageType type, in Frame frame, out string? malformed)
    {
        malformed = null;
        if (!ErrorResponse.TryDecode(frame.Payload, out var error))
        {
            malformed = type == BackendMessageType.ErrorResponse ? "malformed ErrorResponse" : "malformed NoticeResponse";
            return null;
        }

        var fields = error.Fields.Select(f => new KeyValuePair<char, string>(f.Key, _scrubber.Scrub(f.Value))).ToList();
        using var builder = new MessageBuilder();
        return builder.ErrorOrNotice(type, new ErrorResponse(fields)).ToArray();
    }

    private static RelayOutcome Violation(RelayEnd end, in ReadOnlySequence<byte> at, FrameStatus status)
    {
        var type = FrameReader.TryPeekType(at, out var typeByte) ? MessageTypeNames.Printable(typeByte) : "?";
        return new RelayOutcome(end, status == FrameStatus.TooLarge
            ? $"message of type {type} is longer than the gateway accepts"
            : $"invalid message length for message type {type}");
    }

    /// <summary>Flushes; returns null on success, or how the direction ended.</summary>
    private static async ValueTask<RelayEnd?> FlushAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            return result.IsCompleted ? RelayEnd.ClientClosed : null;
        }
        catch (Exception e) when (IsEnded(e, cancellationToken))
        {
            return cancellationToken.IsCancellationRequested ? RelayEnd.Stopped : RelayEnd.ClientClosed;
        }
    }

    private static bool IsEnded(Exception e, CancellationToken cancellationToken) =>
        e is IOException or SocketException or ObjectDisposedException or InvalidOperationException ||
        (e is OperationCanceledException && cancellationToken.IsCancellationRequested);
}
