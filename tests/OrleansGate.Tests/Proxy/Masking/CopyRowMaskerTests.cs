using System.Buffers;
using System.Text;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Masking;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>COPY TO STDOUT rows in text and CSV format, as PostgreSQL writes and reads them.</summary>
public sealed class CopyRowMaskerTests
{
    private static ColumnMasker Text(MaskStrategy strategy, int keepFirst = 0, int keepLast = 0) =>
        ColumnMasker.Create(Rule(strategy, keepFirst, keepLast), 25, Masks.Text, Key);

    private static string MaskRow(CopyRowFormat format, string row, params ColumnMasker?[] maskers)
    {
        var output = new ArrayBufferWriter<byte>();
        new CopyRowMasker(format, maskers).Mask(Encoding.UTF8.GetBytes(row), output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Text_rows_mask_the_selected_fields_and_copy_the_others()
    {
        Assert.Equal("1\t****\tx\n", MaskRow(CopyRowFormat.Text, "1\tsecret\tx\n", null, Text(MaskStrategy.Redact), null));
    }

    [Fact]
    public void Text_fields_are_unescaped_before_masking_and_escaped_after()
    {
        // Unmasked fields keep their escapes byte for byte; the masked one decodes to
        // "se\cret<LF>", keeps "se\" and is escaped again.
        Assert.Equal("a\\tb\tse\\\\*****\t\\\\N\n",
            MaskRow(CopyRowFormat.Text, "a\\tb\tse\\\\cret\\n\t\\\\N\n", null, Text(MaskStrategy.Partial, 3), null));
    }

    [Fact]
    public void Octal_and_hex_escapes_are_decoded() =>
        Assert.Equal("AB*\n", MaskRow(CopyRowFormat.Text, "\\101\\x42c\n", Text(MaskStrategy.Partial, 2)));

    [Fact]
    public void A_masked_value_holding_the_delimiter_or_a_control_character_is_escaped() =>
        // "a<TAB>bc" keeps "a<TAB>", which goes out as \t; a pipe delimiter is backslashed.
        Assert.Equal("a\\t**|x\r\n", MaskRow(CopyRowFormat.Text with { Delimiter = (byte)'|' }, "a\\tbc|x\r\n", Text(MaskStrategy.Partial, 2), null));

    [Fact]
    public void A_custom_delimiter_in_masked_output_is_backslashed() =>
        Assert.Equal("a\\|**|x\n", MaskRow(CopyRowFormat.Text with { Delimiter = (byte)'|' }, "a\\|bc|x\n", Text(MaskStrategy.Partial, 2), null));

    [Fact]
    public void Text_nulls_stay_null_and_a_masked_null_becomes_the_null_marker()
    {
        Assert.Equal("\\N\tx\n", MaskRow(CopyRowFormat.Text, "\\N\tx\n", Text(MaskStrategy.Redact), null));
        Assert.Equal("\\N\tx\n", MaskRow(CopyRowFormat.Text, "secret\tx\n", Text(MaskStrategy.Null), null));
        Assert.Equal("NIL\tx\n", MaskRow(CopyRowFormat.Text with { NullString = "NIL" }, "secret\tx\n", Text(MaskStrategy.Null), null));
    }

    [Fact]
    public void A_hashed_copy_field_equals_the_hashed_data_row_value()
    {
        var direct = ApplyText(Rule(MaskStrategy.Hash), 25, "tab\there");

        Assert.Equal(direct + "\n", MaskRow(CopyRowFormat.Text, "tab\\there\n", Text(MaskStrategy.Hash)));
    }

    [Fact]
    public void Csv_rows_mask_the_selected_fields_and_copy_the_others() =>
        Assert.Equal("1,****,\"a,b\"\n", MaskRow(CopyRowFormat.Csv, "1,secret,\"a,b\"\n", null, Text(MaskStrategy.Redact), null));

    [Fact]
    public void Csv_quotes_are_undone_before_masking_and_added_where_needed_after()
    {
        // a,"b" keeps 'a,"' and needs quoting again, the quote doubled.
        Assert.Equal("1,\"a,\"\"**\"\n", MaskRow(CopyRowFormat.Csv, "1,\"a,\"\"b\"\"\"\n", null, Text(MaskStrategy.Partial, 3)));
        Assert.Equal("1,abc**\n", MaskRow(CopyRowFormat.Csv, "1,\"abc,d\"\n", null, Text(MaskStrategy.Partial, 3)));
    }

    [Fact]
    public void Csv_newlines_inside_quotes_are_data()
    {
        Assert.Equal("\"line1\nline2\",****\n", MaskRow(CopyRowFormat.Csv, "\"line1\nline2\",secret\n", null, Text(MaskStrategy.Redact)));
        Assert.Equal("\"li\n**\"\n", MaskRow(CopyRowFormat.Csv, "\"li\nne\"\n", Text(MaskStrategy.Partial, 3)));
    }

    [Fact]
    public void Csv_nulls_stay_null_an_empty_string_stays_quoted_and_a_masked_null_is_an_empty_field()
    {
        Assert.Equal("1,,x\n", MaskRow(CopyRowFormat.Csv, "1,,x\n", null, Text(MaskStrategy.Redact), null));
        Assert.Equal("1,\"\",x\n", MaskRow(CopyRowFormat.Csv, "1,\"\",x\n", null, Text(MaskStrategy.Partial, 1, 1), null));
        Assert.Equal("1,****,x\n", MaskRow(CopyRowFormat.Csv, "1,\"\",x\n", null, Text(MaskStrategy.Redact), null));
        Assert.Equal("1,,x\n", MaskRow(CopyRowFormat.Csv, "1,secret,x\n", null, Text(MaskStrategy.Null), null));
    }

    [Fact]
    public void Csv_with_a_backslash_escape()
    {
        var format = CopyRowFormat.Csv with { Escape = (byte)'\\' };

        Assert.Equal("\"a\\\"*\"\n", MaskRow(format, "\"a\\\"b\"\n", Text(MaskStrategy.Partial, 2)));
    }

    [Theory]
    [InlineData(false, "a\tb\n")]
    [InlineData(false, "a\tb\tc\td\n")]
    [InlineData(true, "a,b\n")]
    [InlineData(true, "a,b,c,d\n")]
    public void A_row_with_another_number_of_fields_is_refused(bool csv, string row)
    {
        var masker = new CopyRowMasker(csv ? CopyRowFormat.Csv : CopyRowFormat.Text, [null, Text(MaskStrategy.Redact), null]);

        var error = Assert.Throws<MaskingException>(() => masker.Mask(Encoding.UTF8.GetBytes(row), new ArrayBufferWriter<byte>()));
        Assert.Contains("expected 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "\"open,x\n")]
    [InlineData(true, "\"a\"b,x\n")]
    [InlineData(false, "a\\\n")]
    [InlineData(false, "a\nb\tx\n")]
    public void A_malformed_row_is_refused(bool csv, string row)
    {
        var masker = new CopyRowMasker(csv ? CopyRowFormat.Csv : CopyRowFormat.Text, [Text(MaskStrategy.Redact), null]);

        Assert.Throws<MaskingException>(() => masker.Mask(Encoding.UTF8.GetBytes(row), new ArrayBufferWriter<byte>()));
    }
}
