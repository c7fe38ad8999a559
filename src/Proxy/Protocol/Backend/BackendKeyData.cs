using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Backend;

/// <summary>BackendKeyData ('K'): the process id and secret a client needs to cancel a query.</summary>
public readonly record struct BackendKey(int ProcessId, int SecretKey)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out BackendKey key)
    {
        var reader = new PayloadReader(payload);
        if (reader.TryReadInt32(out var pid) && reader.TryReadInt32(out var secret) && reader.End)
        {
            key = new BackendKey(pid, secret);
            return true;
        }

        key = default;
        return false;
    }
}
