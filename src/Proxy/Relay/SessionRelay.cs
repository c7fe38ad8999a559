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
/// <remarks>
/// Here: the session's state and its run; SessionRelay.ClientToUpstream.cs, the client's frames
/// (each decided before it goes on); SessionRelay.UpstreamToClient.cs, the server's frames (masked,
/// previewed, their outcome observed); SessionRelay.ServerFrames.cs, the few server frames rewritten.
/// </remarks>
public sealed partial class SessionRelay
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

    /// <summary>
    /// The session's application_name upstream and the client's own (its startup value): a
    /// ParameterStatus reporting the upstream one tells the client its own instead.
    /// </summary>
    public (string Upstream, string Client)? ApplicationNames { get; init; }

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
