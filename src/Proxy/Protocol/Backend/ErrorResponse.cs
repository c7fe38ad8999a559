using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Backend;

/// <summary>
/// ErrorResponse ('E') or NoticeResponse ('N'): a list of (field code, String) pairs ended by a
/// zero byte (§55.8 "Error and Notice Message Fields"). The order of fields is kept.
/// </summary>
public sealed record ErrorResponse(IReadOnlyList<KeyValuePair<char, string>> Fields)
{
    public const char SeverityField = 'S';
    public const char SeverityNonLocalizedField = 'V';
    public const char CodeField = 'C';
    public const char MessageField = 'M';
    public const char DetailField = 'D';
    public const char HintField = 'H';

    public string? Severity => Field(SeverityNonLocalizedField) ?? Field(SeverityField);

    public string? SqlState => Field(CodeField);

    public string? Message => Field(MessageField);

    public string? Detail => Field(DetailField);

    public string? Hint => Field(HintField);

    public string? Field(char code)
    {
        foreach (var field in Fields)
        {
            if (field.Key == code)
            {
                return field.Value;
            }
        }

        return null;
    }

    public static bool TryDecode(in ReadOnlySequence<byte> payload, out ErrorResponse message)
    {
        message = null!;
        var reader = new PayloadReader(payload);
        var fields = new List<KeyValuePair<char, string>>();
        while (true)
        {
            if (!reader.TryReadByte(out var code))
            {
                return false;
            }

            if (code == 0)
            {
                break;
            }

            if (!reader.TryReadCString(out var value))
            {
                return false;
            }

            fields.Add(new((char)code, value));
        }

        if (!reader.End)
        {
            return false;
        }

        message = new ErrorResponse(fields);
        return true;
    }
}
