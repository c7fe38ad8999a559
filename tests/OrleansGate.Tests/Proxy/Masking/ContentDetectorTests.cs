using OrleansGate.Grains.Policy;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>
/// Each detector finds its shape inside text and only that span is replaced (Redact: <c>****</c>);
/// near misses and the text around a find are left byte for byte.
/// </summary>
public sealed class ContentDetectorTests
{
    private static string? Redacted(ContentDetector detector, string value) =>
        ApplyText(Detecting(MaskStrategy.Redact, detector), 25, value);

    private static void AssertUntouched(ContentDetector detector, string value) =>
        Assert.Equal(Utf8(value), Apply(Detecting(MaskStrategy.Redact, detector), 25, Text, Utf8(value)));

    [Theory]
    [InlineData("mail alice@example.com now", "mail **** now")]
    [InlineData("<bob.smith+x@mail.example.co.uk>", "<****>")]
    [InlineData("a@b.io, c@d.org", "****, ****")]
    [InlineData("end of sentence. see.me@example.com.", "end of sentence. ****.")]
    public void Email_addresses_are_found(string value, string expected) => Assert.Equal(expected, Redacted(ContentDetector.Email, value));

    [Theory]
    [InlineData("user@localhost")]
    [InlineData("@example.com")]
    [InlineData("price @ 5.00")]
    [InlineData("x@example.c0m")]
    public void Not_email_addresses(string value) => AssertUntouched(ContentDetector.Email, value);

    [Theory]
    [InlineData("card 4111111111111111 ok", "card **** ok")]
    [InlineData("card 4111 1111 1111 1111, exp", "card ****, exp")]
    [InlineData("4111-1111-1111-1111", "****")]
    [InlineData("amex 378282246310005.", "amex ****.")]
    [InlineData("4111 1111 1111 1111 2030", "**** 2030")]
    [InlineData("ref:5555555555554444;", "ref:****;")]
    public void Payment_cards_are_found(string value, string expected) => Assert.Equal(expected, Redacted(ContentDetector.PaymentCard, value));

    [Theory]
    [InlineData("card 4111111111111112 ok")] // fails the Luhn check
    [InlineData("order 123456789012")] // 12 digits
    [InlineData("id 41111111111111110000000")] // part of a longer number
    [InlineData("4111  1111 1111 1111")] // a double space splits it
    public void Not_payment_cards(string value) => AssertUntouched(ContentDetector.PaymentCard, value);

    [Theory]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN **** please")]
    [InlineData("to DE89370400440532013000.", "to ****.")]
    [InlineData("GB82 WEST 1234 5698 7654 32", "****")]
    [InlineData("NL91ABNA0417164300 ABCD", "**** ABCD")]
    public void Ibans_are_found(string value, string expected) => Assert.Equal(expected, Redacted(ContentDetector.Iban, value));

    [Theory]
    [InlineData("DE89 3704 0044 0532 0130 01")] // wrong check digits
    [InlineData("DE00370400440532013000")]
    [InlineData("XDE89370400440532013000")] // glued to a word
    [InlineData("DE89 3704")] // too short
    public void Not_ibans(string value) => AssertUntouched(ContentDetector.Iban, value);

    [Theory]
    [InlineData("ssn 123-45-6789.", "ssn ****.")]
    [InlineData("078-05-1120/219-09-9999", "****/****")]
    public void Social_security_numbers_are_found(string value, string expected) => Assert.Equal(expected, Redacted(ContentDetector.UsSsn, value));

    [Theory]
    [InlineData("000-12-3456")]
    [InlineData("666-12-3456")]
    [InlineData("900-12-3456")]
    [InlineData("123-00-6789")]
    [InlineData("123-45-0000")]
    [InlineData("1123-45-6789")]
    [InlineData("123-45-67890")]
    [InlineData("123456789")]
    public void Not_social_security_numbers(string value) => AssertUntouched(ContentDetector.UsSsn, value);

    [Theory]
    [InlineData("call +14155552671 now", "call **** now")]
    [InlineData("tel: +44 20 7946 0958", "tel: ****")]
    [InlineData("(555) 123-4567", "****")]
    [InlineData("(555)123-4567 or 555-123-4567 or 555.123.4567", "**** or **** or ****")]
    public void Phone_numbers_are_found(string value, string expected) => Assert.Equal(expected, Redacted(ContentDetector.Phone, value));

    [Theory]
    [InlineData("+1234567")] // 7 digits
    [InlineData("+01234567890")] // country codes do not start with 0
    [InlineData("555-1234")]
    [InlineData("on 2024-01-15")]
    [InlineData("555-123.4567")] // mixed separators
    [InlineData("1555-123-45678")]
    [InlineData("3+4 = 7")]
    public void Not_phone_numbers(string value) => AssertUntouched(ContentDetector.Phone, value);

    [Theory]
    [InlineData("token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&x=1", "token=****&x=1")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "****")]
    public void Json_web_tokens_are_found(string value, string expected) => Assert.Equal(expected, Redacted(ContentDetector.Jwt, value));

    [Theory]
    [InlineData("eyJhbGciOiJIUzI1NiJ9")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9..sig")]
    [InlineData("keyJabc.def.ghi")]
    [InlineData("abc.eyJ.def")]
    public void Not_json_web_tokens(string value) => AssertUntouched(ContentDetector.Jwt, value);

    public static TheoryData<string> ApiKeys() =>
    [
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAY34FZKBOKMUTVV7A",
        "ghp_" + new string('a', 20) + new string('7', 16),
        "gho_" + new string('B', 40),
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "xoxb-123456789012-abcdefghij",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "rk_test_0123456789",
        "AIza" + new string('S', 30) + "-_x9z",
    ];

    [Theory]
    [MemberData(nameof(ApiKeys))]
    public void Api_keys_are_found(string key) => Assert.Equal($"key: **** end", Redacted(ContentDetector.ApiKey, $"key: {key} end"));

    [Fact]
    public void A_bearer_token_is_masked_but_the_word_bearer_stays() =>
        Assert.Equal("Authorization: Bearer ****", Redacted(ContentDetector.ApiKey, "Authorization: Bearer abcdefghij0123456789._~+/=="));

    [Theory]
    [InlineData("AKIAIOSFODNN7EXAMPL")] // 15 after the prefix
    [InlineData("AKIAIOSFODNN7EXAMPLEX")] // 17
    [InlineData("XAKIAIOSFODNN7EXAMPLE")]
    [InlineData("ghp_tooShort123")]
    [InlineData("xoxz-123456789012-abcdefghij")]
    [InlineData("sk_prod_4eC39HqLyjWDarjtT1zdp7dc")]
    [InlineData("the Bearer scheme is described in RFC 6750")]
    public void Not_api_keys(string value) => AssertUntouched(ContentDetector.ApiKey, value);

    [Fact]
    public void Several_detectors_together_and_overlapping_finds_are_joined()
    {
        var rule = Detecting(MaskStrategy.Redact, ContentDetector.Email, ContentDetector.Phone, ContentDetector.PaymentCard);

        Assert.Equal("mail ****, call ****, pay ****.", ApplyText(rule, 25, "mail x@example.org, call +1 415 555 2671, pay 4111 1111 1111 1111."));
        // The phone detector claims "+4111 1111 1111" (15 digits at most), the card detector
        // "4111 1111 1111 1111": one span, one placeholder.
        Assert.Equal("pay ****", ApplyText(rule, 25, "pay +4111 1111 1111 1111"));
    }
}
