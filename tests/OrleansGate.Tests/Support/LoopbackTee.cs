using System.Net;
using System.Net.Sockets;

namespace OrleansGate.Tests.Support;

/// <summary>
/// A loopback TCP forwarder that records every byte the server sends the client, so a test can
/// search all of what a real driver received (not just what it decoded). It takes one connection
/// at a time: a driver that opens a connection after another (each closed before the next) keeps
/// one port, so it learns the server's types once (Npgsql does so per connection string).
/// </summary>
public sealed class LoopbackTee : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly Task _accepting;
    private Relayed? _latest;

    private sealed record Relayed(MemoryStream Received, Task Run);

    private LoopbackTee(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static LoopbackTee Start(int upstreamPort) => new(upstreamPort);

    /// <summary>Every byte the server sent on the latest connection, once it has ended (waits for it, up to 10 s).</summary>
    public async Task<byte[]> ReceivedAsync()
    {
        var latest = Volatile.Read(ref _latest) ?? throw new InvalidOperationException("nothing has connected to the tee");
        await latest.Run.WaitAsync(TimeSpan.FromSeconds(10));
        lock (latest.Received)
        {
            return latest.Received.ToArray();
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            var client = await _listener.AcceptTcpClientAsync();
            var previous = Volatile.Read(ref _latest);
            if (previous is not null)
            {
                // One at a time: the next starts once the one before has ended, however it ended
                // (its own caller sees how, from ReceivedAsync); a failed one must not stop the tee.
                await previous.Run.ContinueWith(static _ => { }, TaskScheduler.Default);
            }

            var received = new MemoryStream();
            Volatile.Write(ref _latest, new Relayed(received, RelayAsync(client, _upstreamPort, sentByClient: null, sentByServer: received)));
        }
    }

    /// <summary>Relays one accepted connection to the server until either side closes, recording either direction.</summary>
    internal static async Task RelayAsync(TcpClient client, int serverPort, MemoryStream? sentByClient, MemoryStream? sentByServer)
    {
        using (client)
        using (var server = new TcpClient { NoDelay = true })
        {
            client.NoDelay = true;
            await server.ConnectAsync(IPAddress.Loopback, serverPort);
            var toServer = PumpAsync(client.GetStream(), server.GetStream(), sentByClient);
            var toClient = PumpAsync(server.GetStream(), client.GetStream(), sentByServer);
            await Task.WhenAny(toServer, toClient);
            client.Client.Shutdown(SocketShutdown.Both);
            server.Client.Shutdown(SocketShutdown.Both);
            await Task.WhenAll(toServer, toClient);
        }
    }

    /// <summary>
    /// Copies <paramref name="from"/> to <paramref name="to"/> until either side closes, writing
    /// what passes into <paramref name="record"/> (under its lock) when one is given.
    /// </summary>
    internal static async Task PumpAsync(NetworkStream from, NetworkStream to, MemoryStream? record)
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
        _listener.Stop();
        try
        {
            await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or TimeoutException)
        {
            // The listener stopped: the accept loop ends there.
        }

        if (Volatile.Read(ref _latest) is { } latest)
        {
            try
            {
                await latest.Run.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // Torn down with the test.
            }

            latest.Received.Dispose();
        }
    }
}
