using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Masking;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>Redact: a fixed placeholder PostgreSQL's own input functions accept for the type, or NULL.</summary>
public sealed class RedactTests
{
    private static readonly MaskRule Redact = Rule(MaskStrategy.Redact);

    [Theory]
    [InlineData(25u, "secret", "****")]
    [InlineData(1043u, "secret", "****")]
    [InlineData(1042u, "ab      ", "****")]
    [InlineData(19u, "some_role", "****")]
    [InlineData(705u, "literal", "****")]
    [InlineData(114u, "{\"a\": [1, 2]}", "\"****\"")]
    [InlineData(3802u, "{\"a\": [1, 2]}", "\"****\"")]
    [InlineData(21u, "42", "0")]
    [InlineData(23u, "-7", "0")]
    [InlineData(20u, "9000000000", "0")]
    [InlineData(26u, "16384", "0")]
    [InlineData(1700u, "3.14", "0")]
    [InlineData(700u, "2.5", "0")]
    [InlineData(701u, "NaN", "0")]
    [InlineData(16u, "t", "f")]
    [InlineData(1082u, "2024-05-06", "1970-01-01")]
    [InlineData(1083u, "12:34:56", "00:00:00")]
    [InlineData(1266u, "12:34:56+02", "00:00:00+00")]
    [InlineData(1114u, "2024-05-06 12:34:56", "1970-01-01 00:00:00")]
    [InlineData(1184u, "2024-05-06 12:34:56+02", "1970-01-01 00:00:00+00")]
    [InlineData(1186u, "1 day 02:00:00", "00:00:00")]
    [InlineData(2950u, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000")]
    [InlineData(17u, "\\xdeadbeef", "\\x")]
    [InlineData(869u, "10.1.2.3", "0.0.0.0")]
    [InlineData(650u, "10.0.0.0/8", "0.0.0.0/32")]
    public void Text_format_values_become_the_types_placeholder(uint oid, string value, string expected) =>
        Assert.Equal(expected, ApplyText(Redact, oid, value));

    [Theory]
    [InlineData(25u, "736563726574", "2a2a2a2a")]
    [InlineData(1043u, "736563726574", "2a2a2a2a")]
    [InlineData(1042u, "61622020", "2a2a2a2a")]
    [InlineData(19u, "726f6c65", "2a2a2a2a")]
    [InlineData(114u, "7b7d", "222a2a2a2a22")]
    // jsonb binary: version byte 1, then the JSON text.
    [InlineData(3802u, "01 7b7d", "01 222a2a2a2a22")]
    [InlineData(21u, "002a", "0000")]
    [InlineData(23u, "0000002a", "00000000")]
    [InlineData(20u, "000000000000002a", "0000000000000000")]
    [InlineData(26u, "00004000", "00000000")]
    // numeric 3.14: ndigits 2, weight 0, sign +, dscale 2, digits 3 and 1400 → ndigits 0 and the rest 0.
    [InlineData(1700u, "0002 0000 0000 0002 0003 0578", "0000 0000 0000 0000")]
    [InlineData(700u, "40200000", "00000000")]
    [InlineData(701u, "4004000000000000", "0000000000000000")]
    [InlineData(16u, "01", "00")]
    // 1970-01-01: days and microseconds before PostgreSQL's binary epoch, 2000-01-01.
    [InlineData(1082u, "00002000", "ffffd533")]
    [InlineData(1114u, "0002b7e4c1a2c800", "fffca2fec4c82000")]
    [InlineData(1184u, "0002b7e4c1a2c800", "fffca2fec4c82000")]
    [InlineData(1083u, "0000000b7ed0b800", "0000000000000000")]
    [InlineData(1186u, "00000001d1a94a00 00000001 00000000", "0000000000000000 00000000 00000000")]
    [InlineData(2950u, "a0eebc999c0b4ef8bb6d6bb9bd380a11", "00000000000000000000000000000000")]
    [InlineData(17u, "deadbeef", "")]
    // inet: family 2 (IPv4), 32 bits, not cidr, 4 address bytes.
    [InlineData(869u, "02200004 0a010203", "02200004 00000000")]
    [InlineData(650u, "02080104 0a000000", "02200104 00000000")]
    public void Binary_format_values_become_the_types_binary_placeholder(uint oid, string valueHex, string expectedHex) =>
        Assert.Equal(Hex(expectedHex), Apply(Redact, oid, Binary, Hex(valueHex)));

    [Theory]
    [InlineData(1007u)] // int4[]
    [InlineData(1009u)] // text[]
    [InlineData(2249u)] // record
    [InlineData(142u)] // xml
    [InlineData(790u)] // money
    [InlineData(987_654u)] // an extension type such as citext
    public void Types_without_a_placeholder_become_null_in_both_formats(uint oid)
    {
        Assert.Null(Apply(Redact, oid, Text, Utf8("{1,2}")));
        Assert.Null(Apply(Redact, oid, Binary, Hex("0000000100000000000000170000000200000001")));
    }

    [Fact]
    public void A_format_code_other_than_text_or_binary_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ColumnMasker.Create(Redact, 25, 2, Key));
}
