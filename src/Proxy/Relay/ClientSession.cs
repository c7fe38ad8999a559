using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OrleansGate.Proxy.Cancellation;
using OrleansGate.Grains.Sessions;
using OrleansGate.Proxy.Configuration;
using OrleansGate.Proxy.Decisions;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Sql;
using OrleansGate.Proxy.Startup;
using OrleansGate.Proxy.Upstream;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// One client connection from accept to close: the handshake, the upstream login with the
/// gateway's credentials, the greeting (AuthenticationOk, ParameterStatus, the gateway's own
/// BackendKeyData, ReadyForQuery), the relay, and a last word to the client when the session
/// ends for a reason it should know about.
/// </summary>
public sealed partial class ClientSession
{
    /// <summary>How long the last word to a client and the flush of what is still buffered may take.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly ProxyOptions _options;
    private readonly ClientHandshake _handshake;
    private readonly UpstreamConnector _connector;
    private readonly CancelRegistry _cancels;
    private readonly CancelForwarder _cancelForwarder;
    private readonly SessionDeciderFactory _deciders;
    private readonly SqlParser _parser;
    private readonly Masking.ResultMaskingFactory _masking;
    private readonly ILogger _logger;
    private Sessions.LiveSessions.Registration? _live;

    /// <summary>Where this session is listed while it runs, so an administrator can end it (null: not listed).</summary>
    public Sessions.LiveSessions? LiveSessions { get; init; }

    /// <summary>The gateway's metrics (login failures, upstream connect failures); none when null.</summary>
    public Grains.Telemetry.GatewayMetrics? Metrics { get; init; }

    /// <summary>Where statements held for approval are counted (metrics); none when null.</summary>
    public Approvals.HeldStatements? Held { get; init; }

    public ClientSession(ProxyOptions options, ClientHandshake handshake, UpstreamConnector connector, CancelRegistry cancels,
        CancelForwarder cancelForwarder, SessionDeciderFactory deciders, SqlParser parser, Masking.ResultMaskingFactory masking, ILogger logger)
    {
        _cancelForwarder = cancelForwarder;
        _masking = masking;
        _deciders = deciders;
        _parser = parser;
        _options = options;
        _handshake = handshake;
        _connector = connector;
        _cancels = cancels;
        _logger = logger;
    }

    public async Task RunAsync(Socket socket, CancellationToken stopping)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            HandshakeResult result;
            using (var authentication = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                authentication.CancelAfter(_options.AuthenticationTimeout);
                try
                {
                    result = await _handshake.RunAsync(socket, stream, authentication.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    Metrics?.LoginFailed(Grains.Telemetry.LoginFailure.Timeout);
                    await ClientHandshake.SendFatalAsync(stream, SqlState.ProtocolViolation, "authentication timed out", CancellationToken.None)
                        .ConfigureAwait(false);
                    return;
                }
                catch (WireProtocolException e)
                {
                    await ClientHandshake.SendFatalAsync(stream, SqlState.ProtocolViolation, e.Message, stopping).ConfigureAwait(false);
                    return;
                }
            }

            switch (result)
            {
                case CancelRequested cancel:
                    await _cancelForwarder.ForwardAsync(cancel.Key, stopping).ConfigureAwait(false);
                    return;
                case ClientAuthenticated client:
                    stream = client.Stream;
                    await RunAuthenticatedAsync(client, socket, remote, stopping).ConfigureAwait(false);
                    return;
                case HandshakeEnded ended:
                    LogHandshakeEnded(_logger, remote, ended.Reason);
                    if (ended.Failure is { } failure)
                    {
                        Metrics?.LoginFailed(failure);
                    }

                    if (ended.Refused is { } refused)
                    {
                        await RecordRefusalAsync(refused, remote, stopping).ConfigureAwait(false);
                    }

                    return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or ObjectDisposedException
                                      or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            LogConnectionEnded(_logger, remote, e.Message);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records a refused token login. The client has its answer already; a record that cannot be
    /// written is logged as an error (the refusal stands either way).
    /// </summary>
    private async Task RecordRefusalAsync(RefusedTokenLogin refused, IPEndPoint? remote, CancellationToken stopping)
    {
        try
        {
            await _deciders.RecordRefusalAsync(new LoginRefusal(refused.User, refused.Database, remote?.ToString(), refused.ApplicationName,
                refused.Tls, refused.Refusal.Reason, refused.Refusal.Claimed, LiveSessions?.ProxyId), _options.DecisionTimeout, stopping)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            LogRefusalNotRecorded(_logger, refused.User, refused.Refusal.Reason, e.Message);
        }
    }

    private async Task RunAuthenticatedAsync(ClientAuthenticated client, Socket socket, IPEndPoint? remote, CancellationToken stopping)
    {
        // Upstream, the session is named after its identity; the client's own name goes in the record.
        var sessionId = SessionDeciderFactory.NewSessionId();
        var upstreamName = UpstreamApplicationName.Render(_options.UpstreamApplicationName, client.Identity.Name, sessionId, client.ApplicationName);
        UpstreamConnection upstream;
        try
        {
            upstream = await _connector.ConnectAsync(client.Target,
                [.. client.ForwardedParameters.Where(p => p.Key != "application_name"), new("application_name", upstreamName)], stopping).ConfigureAwait(false);
        }
        catch (UpstreamConnectException e)
        {
            LogUpstreamFailed(_logger, client.Target.Name, e.Reason);
            Metrics?.UpstreamConnectFailed(client.Target.Name);
            await ClientHandshake.SendFatalAsync(client.Stream, SqlState.ConnectionFailure,
                $"could not connect to target \"{client.Target.Name}\": {e.Reason}", stopping).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (!ClientHandshake.IsClientOrStop(e))
        {
            LogLoginFault(_logger, client.Identity.Name, client.Target.Name, e);
            await ClientHandshake.SendFatalAsync(client.Stream, SqlState.InternalError, ClientHandshake.LoginFaultMessage, stopping).ConfigureAwait(false);
            return;
        }

        await using (upstream.ConfigureAwait(false))
        {
            // The session's record opens before the client can send anything (invariant 1).
            ISessionDecider decider;
            try
            {
                var start = new SessionStart(client.Identity.Name, client.Identity.Groups, client.Target.Name, remote?.ToString(),
                    client.ForwardedParameters.FirstOrDefault(p => p.Key == "application_name").Value, client.TlsUsed)
                {
                    Proxy = LiveSessions?.ProxyId,
                    Token = client.Token?.Token,
                };
                decider = await _deciders.OpenAsync(start, _options.DecisionTimeout, stopping, sessionId).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                LogAuditOpenFailed(_logger, client.Identity.Name, client.Target.Name, e.Message);
                // 57P03 cannot_connect_now: drivers know to try again later.
                await ClientHandshake.SendFatalAsync(client.Stream, SqlState.CannotConnectNow,
                    "the gateway could not open the audit record of this session; try again later", stopping).ConfigureAwait(false);
                return;
            }

            var cancelSignal = new Approvals.ClientCancelSignal(() => ClientGone(socket));
            var gatewayKey = _cancels.Register(client.Target, upstream.Key, cancelSignal.Cancel);
            // Replaced by how the relay ended; kept when it threw. A "failure:" reason tells the
            // record's reader (and verify, docs/audit-integrity.md) that the session was cut.
            var end = "failure: the session stopped on an error";
            var replies = new PendingReplies();
            try
            {
                await GreetAsync(client, upstream, gatewayKey, stopping).ConfigureAwait(false);
                LogSessionStarted(_logger, client.Identity.Name, client.Target.Name, remote, client.TlsUsed);
                _live = LiveSessions?.Register(decider.SessionId, client.Identity.Name, client.Target.Name, remote,
                    client.ForwardedParameters.FirstOrDefault(p => p.Key == "application_name").Value, stopping);
                using var tokenExpiry = TokenExpiry(client, _live?.Token ?? stopping);
                end = await RelayAsync(client, upstream, upstreamName, decider, replies, cancelSignal, tokenExpiry?.Token ?? _live?.Token ?? stopping)
                    .ConfigureAwait(false);
            }
            finally
            {
                _live?.Dispose();
                _cancels.Unregister(gatewayKey);
                await decider.EndAsync(end, replies.DrainCompleted()).ConfigureAwait(false);
            }
        }
    }

    private static async Task GreetAsync(ClientAuthenticated client, UpstreamConnection upstream,
        Protocol.Backend.BackendKey gatewayKey, CancellationToken cancellationToken)
    {
        using var builder = new MessageBuilder(1024);
        builder.AuthenticationOk();
        foreach (var (name, value) in upstream.Parameters)
        {
            // The client is shown its own identity and its own application_name, not the upstream ones.
            builder.ParameterStatus(name, name switch
            {
                _ when string.Equals(name, "session_authorization", StringComparison.OrdinalIgnoreCase) => client.Identity.Name,
                "application_name" => client.ApplicationName ?? string.Empty,
                _ => value,
            });
        }

        builder.BackendKeyData(gatewayKey).ReadyForQuery(upstream.Status);
        await StreamMessageIO.WriteAsync(client.Stream, builder, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> RelayAsync(ClientAuthenticated client, UpstreamConnection upstream, string upstreamName, ISessionDecider decider,
        PendingReplies replies, Approvals.ClientCancelSignal cancelSignal, CancellationToken stopping)
    {
        var clientIn = PipeReader.Create(client.Stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        var clientOut = PipeWriter.Create(client.Stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        var upstreamIn = PipeReader.Create(upstream.Stream, new StreamPipeReaderOptions(bufferSize: 32 * 1024, leaveOpen: true));
        var upstreamOut = PipeWriter.Create(upstream.Stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        var masking = _masking.Open(client.Target, client.Identity.Groups, replies);
        SessionRelay? relay = null;
        var decisions = new DecisionPoint(decider, _parser, replies, _options.MaxMessageBytes, masking, cancelSignal,
            () => relay?.TransactionStatus is not (null or Protocol.Backend.TransactionStatus.Idle))
        {
            Held = Held,
            UpstreamApplicationName = upstreamName,
            ClientApplicationName = client.ApplicationName ?? string.Empty,
        };
        relay = new SessionRelay(clientIn, clientOut, upstreamIn, upstreamOut, _options.MaxMessageBytes,
            new Relay.CredentialScrubber(client.Target.Username, client.Target.Password), client.Identity.Name, upstream.Status,
            decisions, replies, masking, _masking.PreviewRows(client.Target))
        {
            ApplicationNames = (upstreamName, client.ApplicationName ?? string.Empty),
        };

        var outcome = await relay.RunAsync(stopping).ConfigureAwait(false);
        LogSessionEnded(_logger, client.Identity.Name, client.Target.Name, outcome.End, outcome.Detail);

        var farewell = outcome.End switch
        {
            RelayEnd.ClientProtocolViolation => (SqlState.ProtocolViolation, outcome.Detail ?? "protocol violation"),
            RelayEnd.UpstreamClosed => (SqlState.ConnectionFailure, $"the connection to target \"{client.Target.Name}\" was lost"),
            RelayEnd.UpstreamProtocolViolation => (SqlState.ProtocolViolation,
                $"target \"{client.Target.Name}\" sent something the gateway does not understand: {outcome.Detail}"),
            RelayEnd.Stopped when _live is { Terminated: true } => (SqlState.AdminShutdown, Sessions.LiveSessions.TerminatedMessage),
            RelayEnd.Stopped when TokenExpired(client) => (SqlState.AdminShutdown, TokenExpiredMessage(client)),
            RelayEnd.Stopped => (SqlState.AdminShutdown, "the gateway is shutting down"),
            _ => ((string, string)?)null,
        };

        // One deadline for the whole goodbye: a client that stopped reading (its socket buffer
        // full) must not hold the session, or the gateway's shutdown, for longer than this.
        using var closing = new CancellationTokenSource(CloseTimeout);
        if (farewell is var (code, text))
        {
            await SendQuietlyAsync(clientOut, b => b.ErrorResponse(Severity.Fatal, code, text), closing.Token).ConfigureAwait(false);
        }

        if (outcome.End != RelayEnd.ClientTerminated && outcome.End != RelayEnd.UpstreamClosed)
        {
            // Tell the server the session is over, so it does not wait for a client that is gone.
            await SendQuietlyAsync(upstreamOut, b => b.Terminate(), closing.Token).ConfigureAwait(false);
        }

        await clientIn.CompleteAsync().ConfigureAwait(false);
        await upstreamIn.CompleteAsync().ConfigureAwait(false);
        await CompleteQuietlyAsync(clientOut, closing.Token).ConfigureAwait(false);
        await CompleteQuietlyAsync(upstreamOut, closing.Token).ConfigureAwait(false);
        var reason = _live is { TerminatedBy: { } by }
            ? $"{outcome.End}: {Sessions.LiveSessions.TerminatedMessage} {by}"
            : outcome.End == RelayEnd.Stopped && TokenExpired(client) ? $"{outcome.End}: {TokenExpiredMessage(client)}"
            : outcome.Detail is null ? outcome.End.ToString() : $"{outcome.End}: {outcome.Detail}";
        // Terminate from the client and a gateway stop are ends; anything else cut the session.
        return outcome.End is RelayEnd.ClientTerminated or RelayEnd.Stopped ? reason : $"failure: {reason}";
    }

    /// <summary>
    /// A token login whose issuer does not let sessions outlive their token: a stop signal at the
    /// token's expiry, linked to <paramref name="stop"/>. Null for every other session.
    /// </summary>
    private static CancellationTokenSource? TokenExpiry(ClientAuthenticated client, CancellationToken stop)
    {
        if (client.Token?.SessionEndsAt is not { } endsAt)
        {
            return null;
        }

        var expiry = CancellationTokenSource.CreateLinkedTokenSource(stop);
        // CancelAfter takes at most about 49 days; a token that lives longer is ended then, and is logged in again.
        var left = endsAt - DateTimeOffset.UtcNow;
        expiry.CancelAfter(left <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(left.TotalMilliseconds, int.MaxValue - 1)));
        return expiry;
    }

    private static bool TokenExpired(ClientAuthenticated client) =>
        client.Token?.SessionEndsAt is { } endsAt && DateTimeOffset.UtcNow >= endsAt - TimeSpan.FromSeconds(1);

    private static string TokenExpiredMessage(ClientAuthenticated client) =>
        $"terminating connection because the token of user \"{client.Identity.Name}\" expired at " +
        $"{client.Token!.Token.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z; log in again with a new token";

    private static async Task SendQuietlyAsync(PipeWriter writer, Action<MessageBuilder> compose, CancellationToken closing)
    {
        using var builder = new MessageBuilder();
        compose(builder);
        try
        {
            writer.Write(builder.WrittenSpan);
            await writer.FlushAsync(closing).ConfigureAwait(false);
        }
        catch (Exception e) when (IsPeerGone(e))
        {
            // The peer is gone already, or does not read.
        }
    }

    /// <summary>
    /// Completes a writer, which writes out whatever it still buffers with no way to cancel
    /// it. When that does not finish in time, the write is left behind: the caller then
    /// disposes the stream, which fails the write and ends it.
    /// </summary>
    private static async Task CompleteQuietlyAsync(PipeWriter writer, CancellationToken closing)
    {
        var completing = writer.CompleteAsync().AsTask();
        try
        {
            await completing.WaitAsync(closing).ConfigureAwait(false);
        }
        catch (Exception e) when (IsPeerGone(e))
        {
            // Observe the abandoned write's failure, so it is not reported as unobserved.
            _ = completing.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    // Readable with nothing to read: the peer closed (or reset) the connection.
    private static bool ClientGone(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    private static bool IsPeerGone(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused token login of {User} ({Reason}) could not be recorded: {Error}")]
    private static partial void LogRefusalNotRecorded(ILogger logger, string user, string reason, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Login of {Identity} to {Target} failed on a fault inside the gateway; the client was told so")]
    private static partial void LogLoginFault(ILogger logger, string identity, string target, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session of {Identity} on {Target} started from {Remote} (TLS: {Tls})")]
    private static partial void LogSessionStarted(ILogger logger, string identity, string target, IPEndPoint? remote, bool tls);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session of {Identity} on {Target} ended: {End} {Detail}")]
    private static partial void LogSessionEnded(ILogger logger, string identity, string target, RelayEnd end, string? detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session of {Identity} on {Target} refused: its audit record could not be opened: {Reason}")]
    private static partial void LogAuditOpenFailed(ILogger logger, string identity, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not connect to target {Target}: {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string target, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection from {Remote} ended during startup: {Reason}")]
    private static partial void LogHandshakeEnded(ILogger logger, IPEndPoint? remote, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection from {Remote} ended: {Reason}")]
    private static partial void LogConnectionEnded(ILogger logger, IPEndPoint? remote, string reason);
}
