using System.Net;
using System.Net.Sockets;

namespace OrleansGate.Tests.Support;

/// <summary>
/// A loopback TCP forwarder for one connection that records every byte the server sends the
/// client, so a test can search all of what a real driver received (not just what it decoded).
/// </summary>
public sealed class LoopbackTee : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly MemoryStream _received = new();
    private readonly Task _run;

    private LoopbackTee(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _run = RunAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static LoopbackTee Start(int upstreamPort) => new(upstreamPort);

    /// <summary>Every byte the server sent, once the connection has ended (waits for it, up to 10 s).</summary>
    public async Task<byte[]> ReceivedAsync()
    {
        await _run.WaitAsync(TimeSpan.FromSeconds(10));
        lock (_received)
        {
            return _received.ToArray();
        }
    }

    private async Task RunAsync()
    {
        using var client = await _listener.AcceptTcpClientAsync();
        _listener.Stop();
        using var server = new TcpClient { NoDelay = true };
        await server.ConnectAsync(IPAddress.Loopback, _upstreamPort);
        client.NoDelay = true;
        var toServer = PumpAsync(client.GetStream(), server.GetStream(), null);
        var toClient = PumpAsync(server.GetStream(), client.GetStream(), _received);
        await Task.WhenAny(toServer, toClient);
        client.Client.Shutdown(SocketShutdown.Both);
        server.Client.Shutdown(SocketShutdown.Both);
        await Task.WhenAll(toServer, toClient);
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
        _listener.Stop();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or TimeoutException)
        {
            // Never connected, or already torn down.
        }

        _received.Dispose();
    }
}
