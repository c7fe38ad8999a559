using System.Buffers;
using System.IO.Pipelines;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Relay;

/// <summary>The server-to-client loop: results masked and previewed, each statement's outcome observed.</summary>
public sealed partial class SessionRelay
{
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

            if (!_replies.CopyIn.OnServerFrame(type, _replies.AnsweredCount))
            {
                // Fail closed: the gateway no longer knows how the server reads the client's messages.
                end = new RelayOutcome(RelayEnd.UpstreamProtocolViolation, "the server began a COPY FROM STDIN that no forwarded request could start");
                break;
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
        if (type is BackendMessageType.CommandComplete or BackendMessageType.EmptyQueryResponse
            or BackendMessageType.PortalSuspended or BackendMessageType.ErrorResponse or BackendMessageType.ParseComplete
            or BackendMessageType.BindComplete or BackendMessageType.CloseComplete)
        {
            var ends = type is BackendMessageType.CommandComplete or BackendMessageType.EmptyQueryResponse
                or BackendMessageType.PortalSuspended or BackendMessageType.ErrorResponse;
            _replies.Observe(type, payload, _masking?.TakeCounts(), ends ? _preview?.Take() : null);
        }
    }
}
