using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>Email keeps the domain; anything that is not an address gets the Redact placeholder.</summary>
public sealed class EmailStrategyTests
{
    private static readonly MaskRule Email = Rule(MaskStrategy.Email);

    [Theory]
    [InlineData("alice@example.com", "****@example.com")]
    [InlineData("a.b+tag@mail.example.co.uk", "****@mail.example.co.uk")]
    [InlineData("\"odd@local\"@example.com", "****@example.com")]
    [InlineData("jürgen@münchen.de", "****@münchen.de")]
    [InlineData("not an address", "****")]
    [InlineData("@example.com", "****")]
    [InlineData("alice@", "****")]
    [InlineData("alice @example.com", "****")]
    [InlineData("", "****")]
    public void Keeps_the_domain_of_an_address(string value, string expected)
    {
        Assert.Equal(expected, ApplyText(Email, 25, value));
        Assert.Equal(Utf8(expected), Apply(Email, 1043, Binary, Utf8(value)));
    }

    [Fact]
    public void A_json_string_address_stays_a_json_string()
    {
        Assert.Equal("\"****@example.com\"", ApplyText(Email, 114, "\"alice@example.com\""));
        Assert.Equal(Jsonb("\"****@example.com\""), Apply(Email, 3802, Binary, Jsonb("\"alice@example.com\"")));
        Assert.Equal("\"****\"", ApplyText(Email, 3802, "42"));
    }
}
