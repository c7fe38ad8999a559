using System.IO.Pipelines;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Relay;

/// <summary>The client-to-server loop: each frame decided (and recorded) before it goes upstream.</summary>
public sealed partial class SessionRelay
{
    /// <summary>Sends what is written upstream, then waits for the server to say whether its COPY FROM STDIN started; null to go on.</summary>
    private async ValueTask<RelayOutcome?> WaitForCopyInAsync(CancellationToken cancellationToken)
    {
        if (await FlushAsync(_upstreamOut, cancellationToken).ConfigureAwait(false) is { } flushEnd)
        {
            return flushEnd == RelayEnd.Stopped ? RelayOutcome.Stopped : RelayOutcome.UpstreamClosed;
        }

        try
        {
            await _replies.CopyIn.WaitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return RelayOutcome.Stopped;
        }
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

                if (_replies.CopyIn.MustWait)
                {
                    // A COPY FROM STDIN went upstream: how the server reads this message depends on
                    // whether it started, which only its answer says. What went before goes out first.
                    buffer.Slice(runStart, frame.Whole.Start).CopyTo(_upstreamOut);
                    runStart = frame.Whole.Start;
                    if (await WaitForCopyInAsync(cancellationToken).ConfigureAwait(false) is { } waitEnd)
                    {
                        _clientIn.AdvanceTo(buffer.End);
                        return waitEnd;
                    }
                }

                if (_replies.CopyIn.Admit(type) is { } outOfCopy)
                {
                    end = new RelayOutcome(RelayEnd.ClientProtocolViolation, outOfCopy);
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
}
