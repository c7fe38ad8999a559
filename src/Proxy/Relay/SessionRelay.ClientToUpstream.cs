using System.Buffers;
using System.IO.Pipelines;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Relay;

/// <summary>The client-to-server loop: each frame decided (and recorded) before it goes upstream.</summary>
public sealed partial class SessionRelay
{
    /// <summary>
    /// A request that may start COPY FROM STDIN was just written upstream: sends it, waits for the
    /// server to say whether the COPY started (it answers without more from the client), and sends
    /// the batch's held Sync when it did not. Null to go on.
    /// </summary>
    private async ValueTask<RelayOutcome?> SettleCopyInAsync(CancellationToken cancellationToken)
    {
        if (await FlushAsync(_upstreamOut, cancellationToken).ConfigureAwait(false) is { } flushEnd)
        {
            return flushEnd == RelayEnd.Stopped ? RelayOutcome.Stopped : RelayOutcome.UpstreamClosed;
        }

        try
        {
            await _replies.CopyIn.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return RelayOutcome.Stopped;
        }

        if (_replies.CopyIn.ReleaseHeldSync())
        {
            _upstreamOut.Write(FrontendMessages.SyncFrame);
        }

        return null;
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

                var copyIn = _replies.CopyIn.Admit(type, out var outOfCopy);
                if (copyIn == CopyInVerdict.Violation)
                {
                    end = new RelayOutcome(RelayEnd.ClientProtocolViolation, outOfCopy!);
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

                if (copyIn != CopyInVerdict.Relay && _decisions.Intercepts(type))
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

                    if (_replies.CopyIn.Pending && await SettleCopyInAsync(cancellationToken).ConfigureAwait(false) is { } settleEnd)
                    {
                        _clientIn.AdvanceTo(buffer.End);
                        return settleEnd;
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
}
