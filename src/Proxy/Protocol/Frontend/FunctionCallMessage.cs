using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Frontend;

/// <summary>
/// FunctionCall ('F'): Int32 function OID, argument format codes, arguments (as in Bind),
/// Int16 result format. The fast-path interface calls a function by OID, bypassing SQL.
/// </summary>
public sealed record FunctionCallMessage(uint FunctionOid, IReadOnlyList<BindParameter> Arguments, short ResultFormat)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out FunctionCallMessage message)
    {
        message = null!;
        var reader = new PayloadReader(payload);
        // Counts are checked against what is left (2 bytes per format, at least 4 per argument)
        // before the arrays for them are allocated.
        if (!reader.TryReadUInt32(out var oid) || !reader.TryReadInt16(out var formatCount) || formatCount < 0 ||
            reader.Remaining < formatCount * 2L)
        {
            return false;
        }

        var formats = new short[formatCount];
        for (var i = 0; i < formatCount; i++)
        {
            if (!reader.TryReadInt16(out formats[i]))
            {
                return false;
            }
        }

        if (!reader.TryReadInt16(out var argCount) || argCount < 0 || (formatCount > 1 && formatCount != argCount) ||
            reader.Remaining < argCount * 4L)
        {
            return false;
        }

        var args = new BindParameter[argCount];
        for (var i = 0; i < argCount; i++)
        {
            if (!reader.TryReadNullableBytes(out var bytes, out var isNull))
            {
                return false;
            }

            var format = formatCount switch { 0 => (short)0, 1 => formats[0], _ => formats[i] };
            args[i] = new BindParameter(isNull ? null : bytes.ToArray(), format);
        }

        if (!reader.TryReadInt16(out var resultFormat) || !reader.End)
        {
            return false;
        }

        message = new FunctionCallMessage(oid, args, resultFormat);
        return true;
    }
}
