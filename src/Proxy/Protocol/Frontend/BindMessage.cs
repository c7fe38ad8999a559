using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Frontend;

/// <summary>A Bind parameter: its bytes, or null for SQL NULL, in the format its code gives.</summary>
public sealed record BindParameter(byte[]? Value, short FormatCode)
{
    public bool IsNull => Value is null;

    public bool IsBinary => FormatCode == 1;
}

/// <summary>
/// Bind ('B'): portal name, statement name, Int16 count + Int16 parameter format codes
/// (0 codes = all text, 1 code = applies to all, else one per parameter), Int16 count +
/// parameter values (Int32 length, -1 = NULL, then bytes), Int16 count + Int16 result format codes.
/// </summary>
public sealed record BindMessage(
    string PortalName,
    string StatementName,
    IReadOnlyList<BindParameter> Parameters,
    IReadOnlyList<short> ResultFormatCodes)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out BindMessage message)
    {
        message = null!;
        var reader = new PayloadReader(payload);
        if (!reader.TryReadCString(out var portal) || !reader.TryReadCString(out var statement) ||
            !TryReadFormatCodes(ref reader, out var parameterFormats) ||
            !reader.TryReadInt16(out var parameterCount) || parameterCount < 0)
        {
            return false;
        }

        // The format codes must be 0, 1 or one per parameter (§55.7 Bind). Each value takes at
        // least its 4-byte length, so a count the payload cannot hold is refused before the
        // array for it is allocated.
        if ((parameterFormats.Length > 1 && parameterFormats.Length != parameterCount) ||
            reader.Remaining < parameterCount * 4L)
        {
            return false;
        }

        var parameters = new BindParameter[parameterCount];
        for (var i = 0; i < parameterCount; i++)
        {
            if (!reader.TryReadNullableBytes(out var bytes, out var isNull))
            {
                return false;
            }

            var format = parameterFormats.Length switch
            {
                0 => (short)0,
                1 => parameterFormats[0],
                _ => parameterFormats[i],
            };
            parameters[i] = new BindParameter(isNull ? null : bytes.ToArray(), format);
        }

        if (!TryReadFormatCodes(ref reader, out var resultFormats) || !reader.End)
        {
            return false;
        }

        message = new BindMessage(portal, statement, parameters, resultFormats);
        return true;
    }

    private static bool TryReadFormatCodes(ref PayloadReader reader, out short[] codes)
    {
        codes = [];
        if (!reader.TryReadInt16(out var count) || count < 0 || reader.Remaining < count * 2L)
        {
            return false;
        }

        codes = new short[count];
        for (var i = 0; i < count; i++)
        {
            reader.TryReadInt16(out codes[i]);
            if (codes[i] is not (0 or 1))
            {
                return false;
            }
        }

        return true;
    }
}
