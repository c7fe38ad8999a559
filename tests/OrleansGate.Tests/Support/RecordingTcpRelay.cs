using System.Net;
using System.Net.Sockets;

namespace OrleansGate.Tests.Support;

/// <summary>
/// A loopback TCP forwarder for any number of connections that records, per connection, every
/// byte the client sent the server: what an eavesdropper between the gateway and a target would see.
/// </summary>
public sealed class RecordingTcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _serverPort;
    private readonly List<MemoryStream> _sent = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public RecordingTcpRelay(int serverPort)
    {
        _serverPort = serverPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>What the clients sent so far, one array per connection, in the order they connected.</summary>
    public IReadOnlyList<byte[]> Sent()
    {
        lock (_sent)
        {
            return _sent.Select(s =>
            {
                lock (s)
                {
                    return s.ToArray();
                }
            }).ToList();
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var record = new MemoryStream();
                lock (_sent)
                {
                    _sent.Add(record);
                }

                _ = LoopbackTee.RelayAsync(client, _serverPort, sentByClient: record, sentByServer: null);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
