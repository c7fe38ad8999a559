using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OrleansGate.Tests.Support;

/// <summary>
/// A man in the middle, as an attacker on the path would run it: it answers the client's
/// SSLRequest with a TLS handshake of its own (its own certificate, which a sslmode=require client
/// accepts), opens TLS to the gateway as a client, and passes the bytes on. With
/// <c>stripChannelBinding</c> it also removes SCRAM-SHA-256-PLUS from the gateway's offer.
/// </summary>
public sealed class TlsInterceptingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _certificate;
    private readonly int _gatewayPort;
    private readonly bool _stripChannelBinding;
    private readonly Task _accepting;

    public TlsInterceptingRelay(int gatewayPort, X509Certificate2 certificate, bool stripChannelBinding = false)
    {
        _gatewayPort = gatewayPort;
        _certificate = certificate;
        _stripChannelBinding = stripChannelBinding;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var gateway = new TcpClient();
        try
        {
            var clientStream = client.GetStream();
            var sslRequest = new byte[8];
            await clientStream.ReadExactlyAsync(sslRequest, _stop.Token);
            await clientStream.WriteAsync("S"u8.ToArray(), _stop.Token);
            await using var clientTls = new SslStream(clientStream);
            await clientTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);

            await gateway.ConnectAsync(IPAddress.Loopback, _gatewayPort, _stop.Token);
            var gatewayStream = gateway.GetStream();
            await gatewayStream.WriteAsync(sslRequest, _stop.Token);
            var answer = new byte[1];
            await gatewayStream.ReadExactlyAsync(answer, _stop.Token);
            await using var gatewayTls = new SslStream(gatewayStream, false, (_, _, _, _) => true);
            await gatewayTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, _stop.Token);

            await Task.WhenAny(clientTls.CopyToAsync(gatewayTls, _stop.Token), ServerToClientAsync(gatewayTls, clientTls));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException
                                      or EndOfStreamException or ObjectDisposedException)
        {
            // One side left; the relay ends this connection.
        }
    }

    /// <summary>Backend messages one by one, rewriting AuthenticationSASL when asked to.</summary>
    private async Task ServerToClientAsync(Stream from, Stream to)
    {
        var header = new byte[5];
        while (true)
        {
            await from.ReadExactlyAsync(header, _stop.Token);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
            await from.ReadExactlyAsync(body, _stop.Token);
            if (_stripChannelBinding && header[0] == (byte)'R' && BinaryPrimitives.ReadInt32BigEndian(body) == 10)
            {
                body = [0, 0, 0, 10, .. Encoding.ASCII.GetBytes("SCRAM-SHA-256"), 0, 0];
                BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), body.Length + 4);
            }

            await to.WriteAsync(header, _stop.Token);
            await to.WriteAsync(body, _stop.Token);
            await to.FlushAsync(_stop.Token);
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
