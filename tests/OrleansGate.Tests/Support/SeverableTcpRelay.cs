using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace OrleansGate.Tests.Support;

/// <summary>
/// A loopback TCP forwarder that can be cut: <see cref="Sever"/> resets every open connection and
/// refuses new ones (as a database server that went down would), <see cref="Restore"/> lets them
/// through again. A stand-in for stopping a PostgreSQL server other tests share.
/// </summary>
public sealed class SeverableTcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _serverPort;
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _severed;

    public SeverableTcpRelay(int serverPort)
    {
        _serverPort = serverPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Sever()
    {
        _severed = true;
        foreach (var client in _open.Keys)
        {
            // A connection that ended meanwhile has given up its socket already (Client is null then).
            try
            {
                if (client.Client is { } socket)
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                // Closed meanwhile.
            }

            client.Dispose();
        }
    }

    public void Restore() => _severed = false;

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                if (_severed)
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    continue;
                }

                _open[client] = 0;
                _ = RelayAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        try
        {
            await LoopbackTee.RelayAsync(client, _serverPort, sentByClient: null, sentByServer: null);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Severed, or one side went away.
        }
        finally
        {
            _open.TryRemove(client, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Sever();
        await _accepting;
        _stop.Dispose();
    }
}
