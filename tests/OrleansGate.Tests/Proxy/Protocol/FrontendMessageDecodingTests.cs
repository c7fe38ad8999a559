using System.Buffers;
using System.Text;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Frontend;
using Xunit;

namespace OrleansGate.Tests.Proxy.Protocol;

/// <summary>
/// Typed decoding of what a client sends (§55.7). Payloads are split into 3-byte segments, the
/// way a pipe may hand them over; a malformed payload decodes to false, never to an exception.
/// </summary>
public sealed class FrontendMessageDecodingTests
{
    private static ReadOnlySequence<byte> Payload(Action<MessageBuilder> write) => SegmentedSequence.Payload(write);

    private static ReadOnlySequence<byte> Bytes(params byte[] payload) => SegmentedSequence.Split(payload, 3);

    [Fact]
    public void Parse_yields_the_name_the_sql_and_the_parameter_type_oids()
    {
        var payload = Payload(b => b.WriteCString("stmt_1").WriteCString("SELECT $1::int, $2").WriteInt16(2)
            .WriteInt32(23).WriteInt32(unchecked((int)4_000_000_000)));

        Assert.True(ParseMessage.TryDecode(payload, out var parse));

        Assert.Equal("stmt_1", parse.StatementName);
        Assert.Equal("SELECT $1::int, $2", parse.Sql);
        Assert.Equal([23u, 4_000_000_000u], parse.ParameterTypes);
    }

    [Fact]
    public void Parse_of_the_unnamed_statement_without_types()
    {
        Assert.True(ParseMessage.TryDecode(Payload(b => b.WriteCString("").WriteCString("SELECT 1").WriteInt16(0)), out var parse));

        Assert.Equal("", parse.StatementName);
        Assert.Empty(parse.ParameterTypes);
    }

    [Fact]
    public void Bind_yields_values_nulls_and_per_parameter_formats()
    {
        var payload = Payload(b => b.WriteCString("portal").WriteCString("stmt_1")
            .WriteInt16(3).WriteInt16(0).WriteInt16(1).WriteInt16(0)
            .WriteInt16(3).WriteInt32(2).WriteBytes("42"u8).WriteInt32(4).WriteBytes([0, 0, 0, 7]).WriteInt32(-1)
            .WriteInt16(2).WriteInt16(1).WriteInt16(0));

        Assert.True(BindMessage.TryDecode(payload, out var bind));

        Assert.Equal("portal", bind.PortalName);
        Assert.Equal("stmt_1", bind.StatementName);
        Assert.Equal(3, bind.Parameters.Count);
        Assert.Equal("42"u8.ToArray(), bind.Parameters[0].Value);
        Assert.False(bind.Parameters[0].IsBinary);
        Assert.Equal(new byte[] { 0, 0, 0, 7 }, bind.Parameters[1].Value);
        Assert.True(bind.Parameters[1].IsBinary);
        Assert.True(bind.Parameters[2].IsNull);
        Assert.Equal([1, 0], bind.ResultFormatCodes);
    }

    [Fact]
    public void Bind_with_one_format_code_applies_it_to_every_parameter_and_an_empty_value_is_not_null()
    {
        var payload = Payload(b => b.WriteCString("").WriteCString("").WriteInt16(1).WriteInt16(1)
            .WriteInt16(2).WriteInt32(0).WriteInt32(1).WriteByte(9).WriteInt16(0));

        Assert.True(BindMessage.TryDecode(payload, out var bind));

        Assert.All(bind.Parameters, p => Assert.True(p.IsBinary));
        Assert.False(bind.Parameters[0].IsNull);
        Assert.Empty(bind.Parameters[0].Value!);
        Assert.Empty(bind.ResultFormatCodes);
    }

    [Fact]
    public void Describe_and_Close_name_a_statement_or_a_portal()
    {
        Assert.True(DescribeMessage.TryDecode(Payload(b => b.WriteByte((byte)'S').WriteCString("stmt_1")), out var describe));
        Assert.True(CloseMessage.TryDecode(Payload(b => b.WriteByte((byte)'P').WriteCString("")), out var close));

        Assert.Equal(new DescribeMessage(StatementOrPortal.Statement, "stmt_1"), describe);
        Assert.Equal(new CloseMessage(StatementOrPortal.Portal, ""), close);
    }

    [Fact]
    public void Execute_yields_the_portal_and_the_row_limit()
    {
        Assert.True(ExecuteMessage.TryDecode(Payload(b => b.WriteCString("portal").WriteInt32(100)), out var execute));

        Assert.Equal(new ExecuteMessage("portal", 100), execute);
    }

    [Fact]
    public void Query_yields_its_text_across_segments()
    {
        const string sql = "SELECT 'ünïcödé'; SELECT 2";

        Assert.True(QueryMessage.TryDecode(Payload(b => b.WriteCString(sql)), out var query));

        Assert.Equal(sql, query.Sql);
    }

    [Fact]
    public void FunctionCall_yields_the_oid_arguments_and_result_format()
    {
        var payload = Payload(b => b.WriteInt32(1598).WriteInt16(1).WriteInt16(1)
            .WriteInt16(2).WriteInt32(4).WriteBytes([0, 0, 0, 1]).WriteInt32(-1).WriteInt16(1));

        Assert.True(FunctionCallMessage.TryDecode(payload, out var call));

        Assert.Equal(1598u, call.FunctionOid);
        Assert.Equal(2, call.Arguments.Count);
        Assert.True(call.Arguments[1].IsNull);
        Assert.Equal(1, call.ResultFormat);
    }

    public static TheoryData<string, byte[]> MalformedParse() => new()
    {
        { "empty", [] },
        { "name without terminator", "stmt"u8.ToArray() },
        { "sql without terminator", [.. "s\0SELECT 1"u8] },
        { "no type count", [.. "s\0SELECT 1\0"u8] },
        { "more types counted than present", [.. "s\0SELECT 1\0"u8, 0, 2, 0, 0, 0, 23] },
        { "negative type count", [.. "s\0SELECT 1\0"u8, 0xff, 0xff] },
        { "bytes after the types", [.. "s\0SELECT 1\0"u8, 0, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(MalformedParse))]
    public void A_malformed_Parse_is_refused(string why, byte[] payload) =>
        Assert.False(ParseMessage.TryDecode(Bytes(payload), out _), why);

    public static TheoryData<string, byte[]> MalformedBind() => new()
    {
        { "empty", [] },
        { "portal without terminator", "p"u8.ToArray() },
        { "format count over the payload", [0, 0, 0, 100, 0, 0] },
        { "negative format count", [0, 0, 0xff, 0xfe] },
        { "format code 2", [0, 0, 0, 1, 0, 2, 0, 0, 0, 0] },
        { "two formats for three parameters", [0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0] },
        { "parameter count over the payload", [0, 0, 0, 0, 0x7f, 0xff, 0, 0, 0, 1, 7] },
        { "value length over the payload", [0, 0, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3] },
        { "value length below -1", [0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0] },
        { "no result format count", [0, 0, 0, 0, 0, 0] },
        { "bytes after the result formats", [0, 0, 0, 0, 0, 0, 0, 0, 9] },
    };

    [Theory]
    [MemberData(nameof(MalformedBind))]
    public void A_malformed_Bind_is_refused(string why, byte[] payload) =>
        Assert.False(BindMessage.TryDecode(Bytes(payload), out _), why);

    public static TheoryData<string, byte[]> MalformedSmallMessages() => new()
    {
        { "Describe of neither S nor P", [(byte)'X', .. "name\0"u8] },
        { "Describe without terminator", [(byte)'S', .. "name"u8] },
        { "Describe with trailing bytes", [(byte)'S', .. "name\0x"u8] },
        { "Execute without row limit", [.. "portal\0"u8, 0, 0] },
        { "Query without terminator", "SELECT 1"u8.ToArray() },
        { "Query with bytes after the terminator", [.. "SELECT 1\0SELECT 2"u8] },
        { "FunctionCall with argument count over the payload", [0, 0, 6, 62, 0, 0, 0, 9, 0, 0, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(MalformedSmallMessages))]
    public void A_malformed_small_message_is_refused(string why, byte[] payload)
    {
        var bytes = Bytes(payload);
        var decoded = why.Split(' ')[0] switch
        {
            "Describe" => DescribeMessage.TryDecode(bytes, out _) || CloseMessage.TryDecode(bytes, out _),
            "Execute" => ExecuteMessage.TryDecode(bytes, out _),
            "Query" => QueryMessage.TryDecode(bytes, out _),
            "FunctionCall" => FunctionCallMessage.TryDecode(bytes, out _),
            _ => throw new InvalidOperationException(why),
        };

        Assert.False(decoded, why);
    }

    [Fact]
    public void Random_bytes_never_make_a_decoder_throw()
    {
        // Whatever a client sends, decoding answers true or false; an exception would escape the relay.
        var random = new Random(20240506);
        for (var i = 0; i < 5_000; i++)
        {
            var payload = new byte[random.Next(0, 40)];
            random.NextBytes(payload);
            if (i % 3 == 0 && payload.Length > 2)
            {
                payload[random.Next(payload.Length)] = 0; // terminators make the decoders go further in
            }

            var bytes = SegmentedSequence.Split(payload, random.Next(1, 8));
            _ = ParseMessage.TryDecode(bytes, out _) | BindMessage.TryDecode(bytes, out _) | DescribeMessage.TryDecode(bytes, out _)
                | CloseMessage.TryDecode(bytes, out _) | ExecuteMessage.TryDecode(bytes, out _) | QueryMessage.TryDecode(bytes, out _)
                | FunctionCallMessage.TryDecode(bytes, out _);
        }

        Assert.True(QueryMessage.TryDecode(Bytes([.. Encoding.UTF8.GetBytes("SELECT 1"), 0]), out _));
    }
}
