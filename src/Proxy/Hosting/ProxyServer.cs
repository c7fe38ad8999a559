using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Proxy.Authentication;
using OrleansGate.Proxy.Cancellation;
using OrleansGate.Proxy.Configuration;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Relay;
using OrleansGate.Proxy.Startup;
using OrleansGate.Proxy.Tls;
using OrleansGate.Proxy.Upstream;

namespace OrleansGate.Proxy.Hosting;

/// <summary>
/// Accepts client connections on <see cref="ProxyOptions.Listen"/> and runs a
/// <see cref="ClientSession"/> for each. A failure in one session never reaches another or the
/// accept loop. On stop, it stops accepting, tells every live session the gateway is shutting
/// down (57P01) and waits for them to close.
/// </summary>
public sealed partial class ProxyServer : IHostedService, IAsyncDisposable
{
    private readonly ProxyOptions _options;
    private readonly Decisions.SessionDeciderFactory _deciders;
    private readonly Sql.SqlParser _parser;
    private readonly Masking.ResultMaskingFactory _masking;
    private readonly ClientHandshake _handshake;
    private readonly UpstreamConnector _connector;
    private readonly CancelRegistry _cancels;
    private readonly CancelForwarder _cancelForwarder;
    private readonly ILogger<ProxyServer> _logger;
    private readonly Sessions.LiveSessions _live;
    private readonly Grains.Telemetry.GatewayMetrics _metrics;
    private readonly Approvals.HeldStatements _held;
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private int _disposed;
    private int _stopped;

    public ProxyServer(IOptions<ProxyOptions> options, IdentityDirectory directory, CancelRegistry cancels, CancelForwarder cancelForwarder,
        Decisions.SessionDeciderFactory deciders, Sql.SqlParser parser, Masking.ResultMaskingFactory masking, ILogger<ProxyServer> logger,
        Sessions.LiveSessions live, Authentication.Tokens.TokenAuthenticator tokens, Grains.Telemetry.GatewayMetrics metrics,
        Approvals.HeldStatements held)
    {
        _metrics = metrics;
        _held = held;
        metrics.ObserveLiveSessions(() => live.Count);
        _cancelForwarder = cancelForwarder;
        _live = live;
        _masking = masking;
        _options = options.Value;
        _deciders = deciders;
        _parser = parser;
        _cancels = cancels;
        _logger = logger;
        _connector = new UpstreamConnector();
        _handshake = new ClientHandshake(_options, directory, new StartupParameterPolicy(_options.ExtraStartupParameters),
            ServerCertificate.Load(_options.Tls), logger, tokens);
    }

    /// <summary>The address actually bound (useful with port 0).</summary>
    public IPEndPoint BoundEndPoint => (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("Not started.");

    public int ActiveSessions => _sessions.Count;

    /// <summary>Bound and accepting clients (readiness).</summary>
    public bool IsListening => _listener is not null && Volatile.Read(ref _stopped) == 0;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ListenAddress.TryParse(_options.Listen, out var endPoint);
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            listener.DualMode = true;
        }

        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(endPoint);
        listener.Listen(512);
        _listener = listener;
        LogListening(_logger, BoundEndPoint);
        _acceptLoop = AcceptLoopAsync(listener);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        _listener.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(_sessions.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogStopTimedOut(_logger, _sessions.Count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes this twice (as itself and as the hosted service it also is).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Transient accept failures (e.g. the peer reset before accept) must not stop the listener.
                LogAcceptFailed(_logger, e.SocketErrorCode);
                continue;
            }

            socket.NoDelay = true;
            var session = _sessions.Count >= _options.MaxConnections ? RefuseAsync(socket) : RunSessionAsync(socket);
            _sessions.TryAdd(session, 0);
            _ = session.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _),
                _sessions, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RunSessionAsync(Socket socket)
    {
        // Leave the accept loop at once; the session runs on its own.
        await Task.Yield();
        try
        {
            var session = new ClientSession(_options, _handshake, _connector, _cancels, _cancelForwarder, _deciders, _parser, _masking, _logger)
            {
                LiveSessions = _live,
                Metrics = _metrics,
                Held = _held,
            };
            await session.RunAsync(socket, _stopping.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One broken session must never take the listener or other sessions down.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogSessionCrashed(_logger, e);
            socket.Dispose();
        }
    }

    private static async Task RefuseAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        await ClientHandshake.SendFatalAsync(stream, SqlState.TooManyConnections, "sorry, too many clients already",
            CancellationToken.None).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OrleansGate proxy listening on {EndPoint}")]
    private static partial void LogListening(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A client session failed unexpectedly")]
    private static partial void LogSessionCrashed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped with {Count} sessions still closing")]
    private static partial void LogStopTimedOut(ILogger logger, int count);
}
