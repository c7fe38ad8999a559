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

                _ = RelayAsync(client, record);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task RelayAsync(TcpClient client, MemoryStream record)
    {
        using (client)
        using (var server = new TcpClient { NoDelay = true })
        {
            client.NoDelay = true;
            await server.ConnectAsync(IPAddress.Loopback, _serverPort);
            var toServer = PumpAsync(client.GetStream(), server.GetStream(), record);
            var toClient = PumpAsync(server.GetStream(), client.GetStream(), null);
            await Task.WhenAny(toServer, toClient);
            client.Client.Shutdown(SocketShutdown.Both);
            server.Client.Shutdown(SocketShutdown.Both);
            await Task.WhenAll(toServer, toClient);
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, MemoryStream? record)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer)) > 0)
            {
                if (record is not null)
                {
                    lock (record)
                    {
                        record.Write(buffer, 0, n);
                    }
                }

                await to.WriteAsync(buffer.AsMemory(0, n));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Either side closing ends the relay.
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
