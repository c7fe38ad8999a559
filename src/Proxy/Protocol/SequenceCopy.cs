using System.Buffers;

namespace OrleansGate.Proxy.Protocol;

/// <summary>Copies received bytes, which may span several pipe segments, into a writer as they are.</summary>
internal static class SequenceCopy
{
    public static void CopyTo(this in ReadOnlySequence<byte> bytes, IBufferWriter<byte> writer)
    {
        foreach (var segment in bytes)
        {
            writer.Write(segment.Span);
        }
    }
}
