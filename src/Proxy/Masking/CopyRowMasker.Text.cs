using System.Buffers;

namespace OrleansGate.Proxy.Masking;

/// <summary>COPY text format: backslash escapes (documented in the COPY reference, "Text Format").</summary>
public sealed partial class CopyRowMasker
{
    private int TextFieldEnd(ReadOnlySpan<byte> body, int from)
    {
        var i = from;
        while (i < body.Length)
        {
            var b = body[i];
            if (b == '\\')
            {
                i += 2;
            }
            else if (b == _format.Delimiter)
            {
                return i;
            }
            else if (b is (byte)'\n' or (byte)'\r')
            {
                throw new MaskingException("cannot mask COPY row: an unescaped line break inside a text-format row");
            }
            else
            {
                i++;
            }
        }

        if (i > body.Length)
        {
            throw new MaskingException("cannot mask COPY row: a text-format field ends with a lone backslash");
        }

        return body.Length;
    }

    private static void DecodeText(ReadOnlySpan<byte> field, IBufferWriter<byte> output)
    {
        var i = 0;
        while (i < field.Length)
        {
            var escape = field[i..].IndexOf((byte)'\\');
            if (escape < 0)
            {
                output.Write(field[i..]);
                return;
            }

            output.Write(field.Slice(i, escape));
            i += escape + 1;
            var c = field[i++];
            byte decoded;
            switch (c)
            {
                case (byte)'b': decoded = (byte)'\b'; break;
                case (byte)'f': decoded = (byte)'\f'; break;
                case (byte)'n': decoded = (byte)'\n'; break;
                case (byte)'r': decoded = (byte)'\r'; break;
                case (byte)'t': decoded = (byte)'\t'; break;
                case (byte)'v': decoded = (byte)'\v'; break;
                case >= (byte)'0' and <= (byte)'7':
                    // Up to three octal digits.
                    var value = c - '0';
                    for (var digits = 1; digits < 3 && i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; digits++)
                    {
                        value = value * 8 + (field[i++] - '0');
                    }

                    decoded = (byte)value;
                    break;
                case (byte)'x' when i < field.Length && IsHex(field[i]):
                    // Up to two hex digits.
                    var hex = HexValue(field[i++]);
                    if (i < field.Length && IsHex(field[i]))
                    {
                        hex = hex * 16 + HexValue(field[i++]);
                    }

                    decoded = (byte)hex;
                    break;
                default:
                    // Any other escaped character stands for itself (\\, an escaped delimiter).
                    decoded = c;
                    break;
            }

            output.Write([decoded]);
        }
    }

    private void EncodeText(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var b = value[i];
            var escaped = b switch
            {
                (byte)'\b' => (byte)'b',
                (byte)'\f' => (byte)'f',
                (byte)'\n' => (byte)'n',
                (byte)'\r' => (byte)'r',
                (byte)'\t' => (byte)'t',
                (byte)'\v' => (byte)'v',
                _ when b == '\\' || b == _format.Delimiter => b,
                _ => (byte)0,
            };
            if (escaped == 0)
            {
                continue;
            }

            output.Write(value[start..i]);
            output.Write([(byte)'\\', escaped]);
            start = i + 1;
        }

        output.Write(value[start..]);
    }

    private static bool IsHex(byte b) => AsciiBytes.IsDigit(b) || (uint)((b | 0x20) - 'a') <= 'f' - 'a';

    private static int HexValue(byte b) => AsciiBytes.IsDigit(b) ? b - '0' : (b | 0x20) - 'a' + 10;
}
