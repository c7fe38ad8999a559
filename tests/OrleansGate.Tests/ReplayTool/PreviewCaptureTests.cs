using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using OrleansGate.Proxy.Relay;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>PreviewCapture over hand-built RowDescription / DataRow payloads (§55.7).</summary>
public sealed class PreviewCaptureTests
{
    [Fact]
    public void Keeps_the_first_rows_says_there_were_more_and_starts_afresh_after_take()
    {
        var capture = new PreviewCapture(maxRows: 2);
        capture.OnRowDescription(Description(("id", 0), ("name", 0)));
        for (var i = 1; i <= 5; i++)
        {
            capture.OnDataRow(Row(Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), null));
        }

        var preview = capture.Take();
        Assert.NotNull(preview);
        Assert.Equal(["id", "name"], preview.Columns);
        Assert.Equal([["1", null], ["2", null]], preview.Rows.Select(r => r.ToArray()).ToArray());
        Assert.True(preview.More);
        Assert.Null(capture.Take());

        capture.OnDataRow(Row("x"u8.ToArray()));
        var next = capture.Take();
        Assert.NotNull(next);
        Assert.Empty(next.Columns);
        Assert.False(next.More);
    }

    [Fact]
    public void Binary_values_are_hex_and_long_values_are_capped()
    {
        var capture = new PreviewCapture(maxRows: 5, maxValueChars: 10);
        capture.OnRowDescription(Description(("n", 1), ("t", 0), ("b", 0)));
        capture.OnDataRow(Row([0, 0, 0, 3], Encoding.UTF8.GetBytes("ünïcode text that is long"), [0xff, 0xfe, 0x00]));
        var row = Assert.Single(capture.Take()!.Rows);
        Assert.Equal("\\x00000003", row[0]);
        Assert.Equal("ünïcode te…", row[1]);
        Assert.Equal("\\xfffe00", row[2]);
    }

    private static ReadOnlySequence<byte> Description(params (string Name, short Format)[] fields)
    {
        var bytes = new List<byte>();
        Int16(bytes, (short)fields.Length);
        foreach (var (name, format) in fields)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(name));
            bytes.Add(0);
            bytes.AddRange(new byte[4 + 2 + 4 + 2 + 4]);
            Int16(bytes, format);
        }

        return new ReadOnlySequence<byte>(bytes.ToArray());
    }

    private static ReadOnlySequence<byte> Row(params byte[]?[] values)
    {
        var bytes = new List<byte>();
        Int16(bytes, (short)values.Length);
        foreach (var value in values)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, value?.Length ?? -1);
            bytes.AddRange(length);
            bytes.AddRange(value ?? []);
        }

        return new ReadOnlySequence<byte>(bytes.ToArray());
    }

    private static void Int16(List<byte> bytes, short value)
    {
        var buffer = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(buffer, value);
        bytes.AddRange(buffer);
    }
}
