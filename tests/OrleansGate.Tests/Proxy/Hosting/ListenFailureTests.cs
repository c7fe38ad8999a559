using System.Net;
using System.Net.Sockets;
using OrleansGate.Proxy.Hosting;
using Xunit;

namespace OrleansGate.Tests.Proxy.Hosting;

/// <summary>
/// An address the gateway cannot listen on (another program holds the port) stops it with one
/// line naming the keys that set its addresses, not a stack trace; so does the demo, which picks
/// its ports a moment before it starts and can lose one to another program in between.
/// </summary>
public sealed class ListenFailureTests
{
    [Fact]
    public void A_port_another_socket_holds_is_described_in_one_line_naming_the_listen_keys()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var taken = Assert.Throws<SocketException>(() => second.Bind(new IPEndPoint(IPAddress.Loopback, port)));

        // As Kestrel reports it: its own IOException around the socket's.
        var line = GatewayHost.DescribeListenFailure(new IOException($"Failed to bind to address http://127.0.0.1:{port}: address already in use.", taken));

        Assert.NotNull(line);
        Assert.StartsWith("cannot listen on an address of Proxy:Listen, Proxy:HealthListen or Admin:Listen: Failed to bind to address", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
        Assert.NotNull(GatewayHost.DescribeListenFailure(taken));
    }

    [Fact]
    public void Other_failures_are_not_taken_for_a_listen_failure()
    {
        Assert.Null(GatewayHost.DescribeListenFailure(new IOException("disk full")));
        Assert.Null(GatewayHost.DescribeListenFailure(new SocketException((int)SocketError.ConnectionRefused)));
    }
}
