using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Masking;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>
/// Hash: keyed, deterministic, equal across wire formats. The expected values were computed with
/// Python's hmac module (key bytes 0x01..0x20), not with the code under test.
/// </summary>
public sealed class HashTests
{
    private static readonly MaskRule Hash = Rule(MaskStrategy.Hash);

    // HMAC-SHA256(key, "alice")
    private const string AliceHex = "46e37c0a4bccc261fe63b69994ec397821c03f0d7d6e0a3f7eb84fbfd7bbdd74";

    [Fact]
    public void Text_is_the_lower_case_hex_hmac_of_its_utf8_bytes()
    {
        Assert.Equal(AliceHex, ApplyText(Hash, 25, "alice"));
        Assert.Equal(AliceHex, ApplyText(Hash, 1043, "alice", Binary));
        Assert.Equal(AliceHex, ApplyText(Hash, 19, "alice", Binary));
    }

    [Fact]
    public void Json_gets_the_hash_as_a_json_string_in_both_formats()
    {
        var text = ApplyText(Hash, 3802, "{\"a\": 1}");

        Assert.Matches("^\"[0-9a-f]{64}\"$", text);
        Assert.Equal(Jsonb(text!), Apply(Hash, 3802, Binary, Jsonb("{\"a\": 1}")));
        Assert.Equal(text, ApplyText(Hash, 114, "{\"a\": 1}"));
    }

    [Fact]
    public void Different_values_and_different_keys_hash_differently()
    {
        Assert.NotEqual(ApplyText(Hash, 25, "alice"), ApplyText(Hash, 25, "alicf"));
        Assert.NotEqual(ApplyText(Hash, 25, "alice"), ApplyText(Hash, 25, "alice", key: OtherKey));
        Assert.NotEqual(ApplyText(Hash, 23, "42"), ApplyText(Hash, 23, "43"));
    }

    [Theory]
    // The leading 2, 4 or 8 bytes of HMAC-SHA256(key, "42") read as a big-endian integer.
    [InlineData(21u, "002a", "3347", "0d13")]
    [InlineData(23u, "0000002a", "219403990", "0d13d6d6")]
    [InlineData(20u, "000000000000002a", "942332962390953364", "0d13d6d62b744d94")]
    [InlineData(26u, "0000002a", "219403990", "0d13d6d6")]
    public void An_integer_hashes_to_an_integer_of_its_type_equal_across_formats(uint oid, string binaryHex, string expectedText, string expectedHex)
    {
        Assert.Equal(expectedText, ApplyText(Hash, oid, "42"));
        Assert.Equal(Hex(expectedHex), Apply(Hash, oid, Binary, Hex(binaryHex)));
    }

    [Fact]
    public void A_negative_integer_is_hashed_from_its_decimal_text()
    {
        var text = ApplyText(Hash, 23, "-5");

        Assert.Equal(Hex(int.Parse(text!, System.Globalization.CultureInfo.InvariantCulture).ToString("x8", System.Globalization.CultureInfo.InvariantCulture)),
            Apply(Hash, 23, Binary, Hex("fffffffb")));
    }

    [Fact]
    public void A_uuid_becomes_the_first_sixteen_hmac_bytes_of_its_canonical_text()
    {
        Assert.Equal("934f18e2-2a49-318b-05c9-96344ffef6f7", ApplyText(Hash, 2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        Assert.Equal("934f18e2-2a49-318b-05c9-96344ffef6f7", ApplyText(Hash, 2950, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"));
        Assert.Equal(Hex("934f18e22a49318b05c996344ffef6f7"), Apply(Hash, 2950, Binary, Hex("a0eebc999c0b4ef8bb6d6bb9bd380a11")));
    }

    [Theory]
    [InlineData(23u, Text, "forty-two")]
    [InlineData(21u, Text, "70000")]
    [InlineData(2950u, Text, "not-a-uuid")]
    public void A_value_that_is_not_of_the_type_is_refused(uint oid, short format, string value) =>
        Assert.Throws<MaskingException>(() => ApplyText(Hash, oid, value, format));

    [Theory]
    [InlineData(23u, "002a")]
    [InlineData(20u, "0000002a")]
    [InlineData(2950u, "0011")]
    public void A_binary_value_of_the_wrong_length_is_refused(uint oid, string hex)
    {
        var error = Assert.Throws<MaskingException>(() => Apply(Hash, oid, Binary, Hex(hex)));

        Assert.Contains("public.people.secret", error.Message, StringComparison.Ordinal);
        Assert.Contains($"oid {oid}", error.Message, StringComparison.Ordinal);
    }
}
