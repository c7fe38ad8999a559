using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Backend;

/// <summary>ParameterStatus ('S'): a run-time parameter's name and current value.</summary>
public sealed record ParameterStatus(string Name, string Value)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out ParameterStatus message)
    {
        var reader = new PayloadReader(payload);
        if (reader.TryReadCString(out var name) && reader.TryReadCString(out var value) && reader.End)
        {
            message = new ParameterStatus(name, value);
            return true;
        }

        message = null!;
        return false;
    }
}
