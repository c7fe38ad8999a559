using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Masking;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>Values the masker cannot read are refused, never passed on.</summary>
public sealed class ValueValidityTests
{
    [Theory]
    [InlineData(MaskStrategy.Redact)]
    [InlineData(MaskStrategy.Partial)]
    [InlineData(MaskStrategy.Hash)]
    [InlineData(MaskStrategy.Email)]
    public void Invalid_utf8_in_a_text_value_is_refused(MaskStrategy strategy)
    {
        var error = Assert.Throws<MaskingException>(() => Apply(Rule(strategy), 25, Text, [0x61, 0xFF, 0x62]));

        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_does_not_read_the_value_so_invalid_utf8_is_still_null() =>
        Assert.Null(Apply(Rule(MaskStrategy.Null), 25, Text, [0x61, 0xFF, 0x62]));

    [Fact]
    public void Invalid_utf8_is_refused_when_detectors_find_nothing_too() =>
        Assert.Throws<MaskingException>(() => Apply(Detecting(MaskStrategy.Redact, ContentDetector.Email), 1043, Binary, [0xC3, 0x28]));

    [Fact]
    public void A_jsonb_binary_value_with_an_unknown_version_is_refused()
    {
        var error = Assert.Throws<MaskingException>(() => Apply(Rule(MaskStrategy.Redact), 3802, Binary, [2, .. Utf8("{}")]));

        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
        Assert.Throws<MaskingException>(() => Apply(Rule(MaskStrategy.Redact), 3802, Binary, []));
    }

    [Fact]
    public void Text_like_types_are_the_text_json_and_unknown_oids()
    {
        Assert.All(new uint[] { 25, 1043, 1042, 19, 705, 114, 3802 }, oid => Assert.True(ColumnMasker.IsTextLike(oid)));
        Assert.All(new uint[] { 23, 17, 1009, 2950, 0, 99_999 }, oid => Assert.False(ColumnMasker.IsTextLike(oid)));
    }
}
