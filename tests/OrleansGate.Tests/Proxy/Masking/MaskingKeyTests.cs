using OrleansGate.Proxy.Masking;
using Xunit;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>The masking key: 32 bytes, never shown.</summary>
public sealed class MaskingKeyTests
{
    [Fact]
    public void The_configured_base64_form_is_read()
    {
        var fromBase64 = MaskingKey.FromBase64(Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        Span<byte> a = stackalloc byte[MaskingKey.HashBytes];
        Span<byte> b = stackalloc byte[MaskingKey.HashBytes];

        fromBase64.Hash("alice"u8, a);
        Masks.Key.Hash("alice"u8, b);

        Assert.True(a.SequenceEqual(b));
        Assert.Equal("46e37c0a4bccc261fe63b69994ec397821c03f0d7d6e0a3f7eb84fbfd7bbdd74", Convert.ToHexStringLower(a));
    }

    [Theory]
    [InlineData("AAEC")]
    [InlineData("not base64 at all")]
    [InlineData("")]
    public void A_key_that_is_not_32_bytes_of_base64_is_refused_without_echoing_it(string configured)
    {
        var error = Assert.Throws<ArgumentException>(() => MaskingKey.FromBase64(configured));

        Assert.DoesNotContain(configured.Length > 0 ? configured : "\u0001", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_of_another_length_is_refused() => Assert.Throws<ArgumentException>(() => new MaskingKey(new byte[16]));

    [Fact]
    public void The_key_does_not_show_in_its_string_form()
    {
        var key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

        Assert.DoesNotContain(key, MaskingKey.FromBase64(key).ToString(), StringComparison.Ordinal);
    }
}
