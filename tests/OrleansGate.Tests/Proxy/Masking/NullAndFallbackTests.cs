using OrleansGate.Grains.Policy;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>Null always yields NULL; strategies that only make sense on text fall back to Redact elsewhere.</summary>
public sealed class NullAndFallbackTests
{
    [Theory]
    [InlineData(25u, "736563726574")]
    [InlineData(3802u, "017b7d")]
    [InlineData(23u, "0000002a")]
    [InlineData(2950u, "a0eebc999c0b4ef8bb6d6bb9bd380a11")]
    [InlineData(17u, "deadbeef")]
    [InlineData(1007u, "00")]
    public void Null_yields_sql_null_in_both_formats(uint oid, string binaryHex)
    {
        var rule = Rule(MaskStrategy.Null);

        Assert.Null(Apply(rule, oid, Text, Utf8("anything")));
        Assert.Null(Apply(rule, oid, Binary, Hex(binaryHex)));
    }

    [Theory]
    [InlineData(MaskStrategy.Partial)]
    [InlineData(MaskStrategy.Email)]
    public void Partial_and_email_on_non_text_types_are_redacted(MaskStrategy strategy)
    {
        var rule = Rule(strategy, 1, 1);

        Assert.Equal("0", ApplyText(rule, 23, "123456"));
        Assert.Equal(Hex("00000000"), Apply(rule, 23, Binary, Hex("0001e240")));
        Assert.Equal("1970-01-01", ApplyText(rule, 1082, "2024-05-06"));
        Assert.Equal("f", ApplyText(rule, 16, "t"));
        Assert.Equal("0.0.0.0", ApplyText(rule, 869, "10.1.2.3"));
        Assert.Null(ApplyText(rule, 1009, "{a,b}"));
    }

    [Theory]
    [InlineData(1700u, "3.14", "0", "0002 0000 0000 0002 0003 0578", "0000 0000 0000 0000")]
    [InlineData(701u, "2.5", "0", "4004000000000000", "0000000000000000")]
    [InlineData(16u, "t", "f", "01", "00")]
    [InlineData(1184u, "2024-05-06 12:34:56+00", "1970-01-01 00:00:00+00", "0002b7e4c1a2c800", "fffca2fec4c82000")]
    [InlineData(17u, "\\xdeadbeef", "\\x", "deadbeef", "")]
    [InlineData(869u, "10.1.2.3", "0.0.0.0", "02200004 0a010203", "02200004 00000000")]
    public void Hash_on_types_without_a_hashed_form_is_redacted(uint oid, string text, string expectedText, string binaryHex, string expectedHex)
    {
        var rule = Rule(MaskStrategy.Hash);

        Assert.Equal(expectedText, ApplyText(rule, oid, text));
        Assert.Equal(Hex(expectedHex), Apply(rule, oid, Binary, Hex(binaryHex)));
    }

    [Fact]
    public void Hash_on_an_array_is_null() => Assert.Null(ApplyText(Rule(MaskStrategy.Hash), 1007, "{1,2}"));

    [Fact]
    public void Detectors_on_a_non_text_column_mask_the_whole_value()
    {
        var rule = Detecting(MaskStrategy.Redact, ContentDetector.PaymentCard);

        Assert.Equal("0", ApplyText(rule, 20, "42"));
    }
}
