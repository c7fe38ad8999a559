using System.Security.Cryptography;
using OrleansGate.Grains.Policy;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>What each strategy writes in place of a detected span, and detection inside JSON.</summary>
public sealed class DetectedSpanMaskingTests
{
    private static readonly ContentDetector[] All =
        [ContentDetector.Email, ContentDetector.PaymentCard, ContentDetector.Iban, ContentDetector.UsSsn,
         ContentDetector.Phone, ContentDetector.Jwt, ContentDetector.ApiKey];

    [Theory]
    [InlineData(MaskStrategy.Redact, "ssn ****, mail ****")]
    [InlineData(MaskStrategy.Partial, "ssn 1*******789, mail a*************com")]
    [InlineData(MaskStrategy.Email, "ssn ****, mail ****@example.com")]
    public void Each_strategy_rewrites_only_the_span(MaskStrategy strategy, string expected)
    {
        var rule = Rule(strategy, 1, 3, ContentDetector.UsSsn, ContentDetector.Email);

        Assert.Equal(expected, ApplyText(rule, 25, "ssn 123-45-6789, mail alice@example.com"));
    }

    [Fact]
    public void Hash_replaces_the_span_with_the_hex_hmac_of_its_text()
    {
        var rule = Detecting(MaskStrategy.Hash, ContentDetector.UsSsn);
        var hex = Convert.ToHexStringLower(HMACSHA256.HashData(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), "123-45-6789"u8));

        Assert.Equal($"ssn {hex}!", ApplyText(rule, 25, "ssn 123-45-6789!"));
        Assert.Equal($"ssn {hex}!", ApplyText(rule, 1043, "ssn 123-45-6789!", Binary));
    }

    [Fact]
    public void Null_makes_the_whole_value_null_when_anything_is_found()
    {
        var rule = Detecting(MaskStrategy.Null, ContentDetector.UsSsn);

        Assert.Null(ApplyText(rule, 25, "ssn 123-45-6789"));
        Assert.Equal("no number here", ApplyText(rule, 25, "no number here"));
    }

    [Theory]
    [InlineData("plain text with numbers 12345 and a@b")]
    [InlineData("héllo wörld 😀 4111 1111 1111 1112")]
    [InlineData("")]
    public void Nothing_found_passes_the_value_byte_for_byte(string value)
    {
        var rule = Rule(MaskStrategy.Hash, 0, 0, All);

        Assert.Equal(Utf8(value), Apply(rule, 25, Text, Utf8(value)));
        Assert.Equal(Jsonb($"\"{value}\""), Apply(rule, 3802, Binary, Jsonb($"\"{value}\"")));
    }

    [Fact]
    public void Finds_inside_json_strings_are_rewritten_in_place()
    {
        var rule = Rule(MaskStrategy.Redact, 0, 0, All);
        const string Json = "{\"note\": \"call 555-123-4567 or mail a@example.com\", \"n\": 1}";

        Assert.Equal("{\"note\": \"call **** or mail ****\", \"n\": 1}", ApplyText(rule, 114, Json));
        Assert.Equal(Jsonb("{\"note\": \"call **** or mail ****\", \"n\": 1}"), Apply(rule, 3802, Binary, Jsonb(Json)));
    }

    [Fact]
    public void Email_and_partial_inside_json_keep_valid_json()
    {
        const string Json = "[\"a@example.com\", \"4111111111111111\"]";

        Assert.Equal("[\"****@example.com\", \"****\"]", ApplyText(Rule(MaskStrategy.Email, 0, 0, All), 3802, Json));
        Assert.Equal("[\"************m\", \"***************1\"]", ApplyText(Rule(MaskStrategy.Partial, 0, 1, All), 3802, Json));
    }

    [Fact]
    public void A_find_in_a_json_key_is_rewritten_in_place() =>
        Assert.Equal("{\"****\": 1}", ApplyText(Rule(MaskStrategy.Redact, 0, 0, ContentDetector.PaymentCard), 114, "{\"4111111111111111\": 1}"));

    [Theory]
    [InlineData("{\"card\": 4111111111111111}")] // a number, not a string
    [InlineData("[\"\\u0000378282246310005\"]")] // the digits start inside the \u escape
    public void A_find_that_crosses_json_syntax_redacts_the_whole_value(string json)
    {
        var rule = Rule(MaskStrategy.Redact, 0, 0, ContentDetector.PaymentCard);

        Assert.Equal("\"****\"", ApplyText(rule, 114, json));
        Assert.Equal(Jsonb("\"****\""), Apply(rule, 3802, Binary, Jsonb(json)));
    }
}
