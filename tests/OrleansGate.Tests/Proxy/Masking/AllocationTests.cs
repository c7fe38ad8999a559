using System.Buffers;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Masking;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>Masking runs for every value of large results: once warm, a value costs no garbage.</summary>
public sealed class AllocationTests
{
    public static TheoryData<MaskStrategy, uint, short, string> Cases() => new()
    {
        { MaskStrategy.Partial, 25u, Text, "6c6f6e6720656e6f7567682076616c7565c3a9" },
        { MaskStrategy.Email, 3802u, Binary, "0122616c696365406578616d706c652e636f6d22" },
        { MaskStrategy.Hash, 1043u, Binary, "616c696365" },
        { MaskStrategy.Hash, 23u, Binary, "0000002a" },
        { MaskStrategy.Hash, 23u, Text, "3432" },
        { MaskStrategy.Hash, 2950u, Text, "61306565626339392d396330622d346566382d626236642d366262396264333830613131" },
        { MaskStrategy.Redact, 1184u, Binary, "0002b7e4c1a2c800" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Masking_a_value_allocates_nothing(MaskStrategy strategy, uint oid, short format, string valueHex)
    {
        var masker = ColumnMasker.Create(Rule(strategy, 1, 1), oid, format, Key);
        AssertNoAllocation(masker, Hex(valueHex));
    }

    [Fact]
    public void Detecting_in_a_value_allocates_nothing()
    {
        var masker = ColumnMasker.Create(Rule(MaskStrategy.Hash, 0, 0, ContentDetector.Email, ContentDetector.PaymentCard,
            ContentDetector.Iban, ContentDetector.UsSsn, ContentDetector.Phone, ContentDetector.Jwt, ContentDetector.ApiKey), 25, Text, Key);
        AssertNoAllocation(masker, Utf8("mail a@example.com, card 4111 1111 1111 1111, ssn 123-45-6789, tel +14155552671, AKIAIOSFODNN7EXAMPLE"));
    }

    [Theory]
    [InlineData(false, "1\tse\\cret\\nvalue\t\\N\n")]
    [InlineData(true, "1,\"se,\"\"cret\"\"\",\n")]
    public void Masking_a_copy_row_allocates_nothing(bool csv, string row)
    {
        var masker = new CopyRowMasker(csv ? CopyRowFormat.Csv : CopyRowFormat.Text,
            [null, ColumnMasker.Create(Rule(MaskStrategy.Partial, 3, 0), 25, Text, Key), ColumnMasker.Create(Rule(MaskStrategy.Hash), 25, Text, Key)]);
        AssertNoAllocation((value, output) => masker.Mask(value, output), Utf8(row));
    }

    private static void AssertNoAllocation(ColumnMasker masker, byte[] value) =>
        AssertNoAllocation((v, output) => masker.Mask(v, output), value);

    private delegate void MaskOne(ReadOnlySpan<byte> value, ArrayBufferWriter<byte> output);

    private static void AssertNoAllocation(MaskOne mask, byte[] value)
    {
        var output = new ArrayBufferWriter<byte>(4096);
        for (var i = 0; i < 100; i++)
        {
            output.ResetWrittenCount();
            mask(value, output);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            output.ResetWrittenCount();
            mask(value, output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
