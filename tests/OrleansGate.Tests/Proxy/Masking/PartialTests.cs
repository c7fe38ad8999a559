using OrleansGate.Grains.Policy;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>Partial counts Unicode scalar values and never shows a whole value.</summary>
public sealed class PartialTests
{
    [Theory]
    [InlineData("4111111111111111", 0, 4, "************1111")]
    [InlineData("alice", 1, 1, "a***e")]
    [InlineData("alice", 2, 0, "al***")]
    [InlineData("ab", 1, 1, "**")]
    [InlineData("abc", 5, 0, "***")]
    [InlineData("a", 0, 0, "*")]
    [InlineData("", 1, 1, "")]
    [InlineData("héllo wörld", 2, 2, "hé*******ld")]
    [InlineData("😀abc😀", 1, 1, "😀***😀")]
    [InlineData("日本語テキスト", 1, 2, "日****スト")]
    public void Keeps_the_ends_and_stars_each_hidden_character(string value, int first, int last, string expected)
    {
        var rule = Rule(MaskStrategy.Partial, first, last);

        Assert.Equal(expected, ApplyText(rule, 25, value));
        Assert.Equal(Utf8(expected), Apply(rule, 1043, Binary, Utf8(value)));
    }

    [Fact]
    public void Bpchar_padding_counts_as_characters() =>
        Assert.Equal("ab****", ApplyText(Rule(MaskStrategy.Partial, 2, 0), 1042, "abc   "));

    [Fact]
    public void A_combining_mark_is_a_character_of_its_own() =>
        // "e" + U+0301: two scalar values; keeping one shows the bare "e".
        Assert.Equal("e*", ApplyText(Rule(MaskStrategy.Partial, 1, 0), 25, "e\u0301"));

    [Fact]
    public void Negative_counts_keep_nothing() => Assert.Equal("*****", ApplyText(Rule(MaskStrategy.Partial, -3, -1), 25, "alice"));

    [Fact]
    public void A_json_string_is_masked_inside_its_quotes()
    {
        var rule = Rule(MaskStrategy.Partial, 1, 1);

        Assert.Equal("\"a***e\"", ApplyText(rule, 114, "\"alice\""));
        Assert.Equal(Jsonb("\"a***e\""), Apply(rule, 3802, Binary, Jsonb("\"alice\"")));
    }

    [Fact]
    public void Other_json_values_become_a_json_string_of_their_masked_text() =>
        // {"a":1} keeps '{' and '"', escaped inside the JSON string that replaces it.
        Assert.Equal("\"{\\\"*****\"", ApplyText(Rule(MaskStrategy.Partial, 2, 0), 3802, "{\"a\":1}"));
}
