using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Backend;

/// <summary>The transaction status a ReadyForQuery reports.</summary>
public enum TransactionStatus : byte
{
    Idle = (byte)'I',
    InTransaction = (byte)'T',
    Failed = (byte)'E',
}

/// <summary>ReadyForQuery ('Z'): Byte1 transaction status.</summary>
public sealed record ReadyForQuery(TransactionStatus Status)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out ReadyForQuery message)
    {
        message = null!;
        var reader = new PayloadReader(payload);
        if (!reader.TryReadByte(out var status) || !reader.End ||
            status is not ((byte)'I' or (byte)'T' or (byte)'E'))
        {
            return false;
        }

        message = new ReadyForQuery((TransactionStatus)status);
        return true;
    }
}
