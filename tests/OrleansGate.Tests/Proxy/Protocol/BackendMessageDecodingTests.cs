using System.Buffers;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;
using Xunit;

namespace OrleansGate.Tests.Proxy.Protocol;

/// <summary>
/// Typed decoding of what a server sends (§55.7, §55.8), over payloads split into 3-byte
/// segments; a malformed payload decodes to false, never to an exception.
/// </summary>
public sealed class BackendMessageDecodingTests
{
    private static ReadOnlySequence<byte> Payload(Action<MessageBuilder> write) => SegmentedSequence.Payload(write);

    private static ReadOnlySequence<byte> Bytes(params byte[] payload) => SegmentedSequence.Split(payload, 3);

    private static void Field(MessageBuilder b, string name, uint table, short column, uint type) =>
        b.WriteCString(name).WriteInt32(unchecked((int)table)).WriteInt16(column).WriteInt32(unchecked((int)type))
            .WriteInt16(4).WriteInt32(-1).WriteInt16(0);

    [Fact]
    public void RowDescription_names_each_column_with_its_table_oid_and_attribute_number()
    {
        var payload = Payload(b =>
        {
            b.WriteInt16(2);
            Field(b, "email", 16_384, 3, 25);
            Field(b, "?column?", 0, 0, 23);
        });

        Assert.True(RowDescription.TryDecode(payload, out var description));

        Assert.Equal(new FieldDescription("email", 16_384, 3, 25, 4, -1, 0), description.Fields[0]);
        Assert.Equal(0u, description.Fields[1].TableOid);
        Assert.Equal(0, description.Fields[1].ColumnNumber);
    }

    [Fact]
    public void DataRow_yields_values_empty_values_and_nulls()
    {
        var payload = Payload(b => b.WriteInt16(3).WriteInt32(5).WriteBytes("hello"u8).WriteInt32(0).WriteInt32(-1));

        Assert.True(DataRow.TryDecode(payload, out var row));

        Assert.Equal("hello"u8.ToArray(), row.Values[0]);
        Assert.Empty(row.Values[1]!);
        Assert.Null(row.Values[2]);
    }

    [Theory]
    [InlineData("SELECT 5", 5L)]
    [InlineData("INSERT 0 1", 1L)]
    [InlineData("COPY 100000", 100_000L)]
    [InlineData("CREATE TABLE", null)]
    public void CommandComplete_yields_the_tag_and_its_row_count(string tag, long? rows)
    {
        Assert.True(CommandComplete.TryDecode(Payload(b => b.WriteCString(tag)), out var complete));

        Assert.Equal(tag, complete.Tag);
        Assert.Equal(rows, complete.Rows);
    }

    [Fact]
    public void ErrorResponse_yields_its_fields_in_order()
    {
        using var builder = new MessageBuilder();
        var bytes = builder.ErrorResponse(Severity.Error, "42P01", "relation \"nope\" does not exist", "some detail", "check it").ToArray();

        Assert.True(ErrorResponse.TryDecode(SegmentedSequence.Split(bytes[FrameReader.HeaderLength..], 3), out var error));

        Assert.Equal("ERROR", error.Severity);
        Assert.Equal("42P01", error.SqlState);
        Assert.Equal("relation \"nope\" does not exist", error.Message);
        Assert.Equal("some detail", error.Detail);
        Assert.Equal("check it", error.Hint);
        Assert.Equal(['S', 'V', 'C', 'M', 'D', 'H'], error.Fields.Select(f => f.Key));
    }

    [Theory]
    [InlineData('I', TransactionStatus.Idle)]
    [InlineData('T', TransactionStatus.InTransaction)]
    [InlineData('E', TransactionStatus.Failed)]
    public void ReadyForQuery_yields_the_transaction_status(char status, TransactionStatus expected)
    {
        Assert.True(ReadyForQuery.TryDecode(Bytes((byte)status), out var ready));

        Assert.Equal(expected, ready.Status);
    }

    [Fact]
    public void ParameterStatus_and_BackendKeyData_decode()
    {
        Assert.True(ParameterStatus.TryDecode(Payload(b => b.WriteCString("TimeZone").WriteCString("UTC")), out var parameter));
        Assert.True(BackendKey.TryDecode(Payload(b => b.WriteInt32(4242).WriteInt32(-7)), out var key));

        Assert.Equal(new ParameterStatus("TimeZone", "UTC"), parameter);
        Assert.Equal(new BackendKey(4242, -7), key);
    }

    public static TheoryData<string, byte[]> MalformedRowDescriptions() => new()
    {
        { "empty", [] },
        { "negative field count", [0xff, 0xff] },
        { "more fields counted than present", [0, 2, .. "a\0"u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xff, 0xff, 0xff, 0xff, 0, 0] },
        { "name without terminator", [0, 1, .. "abc"u8] },
        { "field cut short", [0, 1, .. "a\0"u8, 0, 0, 0, 0, 0, 0] },
        { "bytes after the fields", [0, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(MalformedRowDescriptions))]
    public void A_malformed_RowDescription_is_refused(string why, byte[] payload) =>
        Assert.False(RowDescription.TryDecode(Bytes(payload), out _), why);

    public static TheoryData<string, byte[]> MalformedDataRows() => new()
    {
        { "empty", [] },
        { "negative column count", [0x80, 0] },
        { "column count over the payload", [0x7f, 0xff, 0, 0, 0, 0] },
        { "value length over the payload", [0, 1, 0x7f, 0xff, 0xff, 0xff, 1, 2] },
        { "value length below -1", [0, 1, 0xff, 0xff, 0xff, 0xfe] },
        { "bytes after the columns", [0, 1, 0xff, 0xff, 0xff, 0xff, 7] },
    };

    [Theory]
    [MemberData(nameof(MalformedDataRows))]
    public void A_malformed_DataRow_is_refused(string why, byte[] payload) =>
        Assert.False(DataRow.TryDecode(Bytes(payload), out _), why);

    public static TheoryData<string, byte[]> MalformedSmallMessages() => new()
    {
        { "ErrorResponse without the final zero", [(byte)'S', .. "ERROR\0"u8] },
        { "ErrorResponse field without terminator", [(byte)'M', .. "oops"u8] },
        { "ErrorResponse with bytes after the final zero", [(byte)'S', .. "ERROR\0"u8, 0, 1] },
        { "ErrorResponse empty", [] },
        { "ReadyForQuery with an unknown status", [(byte)'X'] },
        { "ReadyForQuery with two bytes", [(byte)'I', (byte)'I'] },
        { "ReadyForQuery empty", [] },
        { "CommandComplete without terminator", "SELECT 1"u8.ToArray() },
        { "ParameterStatus without its value", "TimeZone\0"u8.ToArray() },
        { "BackendKeyData cut short", [0, 0, 0, 1, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(MalformedSmallMessages))]
    public void A_malformed_small_message_is_refused(string why, byte[] payload)
    {
        var bytes = Bytes(payload);
        var decoded = why.Split(' ')[0] switch
        {
            "ErrorResponse" => ErrorResponse.TryDecode(bytes, out _),
            "ReadyForQuery" => ReadyForQuery.TryDecode(bytes, out _),
            "CommandComplete" => CommandComplete.TryDecode(bytes, out _),
            "ParameterStatus" => ParameterStatus.TryDecode(bytes, out _),
            "BackendKeyData" => BackendKey.TryDecode(bytes, out _),
            _ => throw new InvalidOperationException(why),
        };

        Assert.False(decoded, why);
    }

    [Fact]
    public void Random_bytes_never_make_a_decoder_throw()
    {
        var random = new Random(55_08);
        var decodedAny = false;
        for (var i = 0; i < 5_000; i++)
        {
            var payload = new byte[random.Next(0, 40)];
            random.NextBytes(payload);
            if (i % 2 == 0 && payload.Length > 0)
            {
                payload[^1] = 0;
            }

            var bytes = SegmentedSequence.Split(payload, random.Next(1, 8));
            decodedAny |= RowDescription.TryDecode(bytes, out _) | DataRow.TryDecode(bytes, out _) | CommandComplete.TryDecode(bytes, out _)
                | ErrorResponse.TryDecode(bytes, out _) | ReadyForQuery.TryDecode(bytes, out _) | ParameterStatus.TryDecode(bytes, out _)
                | BackendKey.TryDecode(bytes, out _);
        }

        Assert.True(decodedAny);
    }
}
