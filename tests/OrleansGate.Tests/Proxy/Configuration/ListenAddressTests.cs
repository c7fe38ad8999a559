using System.Net;
using OrleansGate.Proxy.Configuration;
using Xunit;

namespace OrleansGate.Tests.Proxy.Configuration;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:6432", "127.0.0.1", 6432)]
    [InlineData("0.0.0.0:5432", "0.0.0.0", 5432)]
    [InlineData("[::1]:6432", "::1", 6432)]
    [InlineData("*:7000", "::", 7000)]
    [InlineData("localhost:0", "127.0.0.1", 0)]
    public void Accepts_host_and_port(string text, string address, int port)
    {
        Assert.True(ListenAddress.TryParse(text, out var endPoint));
        Assert.Equal(IPAddress.Parse(address), endPoint.Address);
        Assert.Equal(port, endPoint.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("6432")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("example.com:6432")]
    [InlineData("nonsense")]
    public void Refuses_anything_else(string text) => Assert.False(ListenAddress.TryParse(text, out _));
}
