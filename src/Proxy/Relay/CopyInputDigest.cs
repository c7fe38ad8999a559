using System.Buffers;
using System.Security.Cryptography;
using OrleansGate.Grains.Sessions;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// Digests what the client sends into COPY FROM STDIN as it streams past: the rows are not kept
/// (they may be gigabytes), but their size and SHA-256 go into the COPY's StatementCompleted.
/// </summary>
internal sealed class CopyInputDigest : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _bytes;
    private long _messages;

    public void Add(in ReadOnlySequence<byte> payload)
    {
        foreach (var segment in payload)
        {
            _hash.AppendData(segment.Span);
        }

        _bytes += payload.Length;
        _messages++;
    }

    /// <summary>The digest of everything added since the last call (CopyDone, or CopyFail: <paramref name="failed"/>), and a fresh start.</summary>
    public CopyInput Finish(bool failed)
    {
        var input = new CopyInput(_bytes, _messages, Convert.ToHexStringLower(_hash.GetHashAndReset()), failed);
        _bytes = 0;
        _messages = 0;
        return input;
    }

    public void Dispose() => _hash.Dispose();
}
