using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrleansGate.Proxy.Protocol;

/// <summary>
/// Builds one or more protocol messages in a pooled buffer: start a message, append its fields,
/// finish it (which patches the length), then copy the bytes out. Used for the messages the
/// gateway composes itself; relayed frames never pass through here.
/// </summary>
public sealed class MessageBuilder : IDisposable
{
    private byte[] _buffer;
    private int _written;
    private int _messageStart = -1;
    private bool _typed;

    public MessageBuilder(int initialCapacity = 256) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>Starts a regular message: type byte, then a length patched by <see cref="Finish"/>.</summary>
    public MessageBuilder Start(byte type)
    {
        EnsureNoOpenMessage();
        _messageStart = _written;
        _typed = true;
        WriteByte(type);
        WriteInt32(0);
        return this;
    }

    /// <summary>Starts a startup-phase packet, which has a length but no type byte.</summary>
    public MessageBuilder StartUntyped()
    {
        EnsureNoOpenMessage();
        _messageStart = _written;
        _typed = false;
        WriteInt32(0);
        return this;
    }

    public MessageBuilder Finish()
    {
        if (_messageStart < 0)
        {
            throw new InvalidOperationException("No message is open.");
        }

        var lengthOffset = _messageStart + (_typed ? 1 : 0);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(lengthOffset), _written - lengthOffset);
        _messageStart = -1;
        return this;
    }

    public MessageBuilder WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_written++] = value;
        return this;
    }

    public MessageBuilder WriteInt16(short value)
    {
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_written), value);
        _written += 2;
        return this;
    }

    public MessageBuilder WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_written), value);
        _written += 4;
        return this;
    }

    public MessageBuilder WriteBytes(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_written));
        _written += value.Length;
        return this;
    }

    public MessageBuilder WriteBytes(in ReadOnlySequence<byte> value)
    {
        Ensure(checked((int)value.Length));
        value.CopyTo(_buffer.AsSpan(_written));
        _written += (int)value.Length;
        return this;
    }

    /// <summary>Writes a string as UTF-8 followed by NUL. A NUL inside would cut it short, so it is refused.</summary>
    public MessageBuilder WriteCString(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A protocol string cannot contain NUL.", nameof(value));
        }

        var count = Encoding.UTF8.GetByteCount(value);
        Ensure(count + 1);
        _written += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_written));
        _buffer[_written++] = 0;
        return this;
    }

    public void CopyTo(IBufferWriter<byte> writer)
    {
        EnsureNoOpenMessage();
        writer.Write(WrittenSpan);
    }

    public byte[] ToArray()
    {
        EnsureNoOpenMessage();
        return WrittenSpan.ToArray();
    }

    public void Reset()
    {
        _written = 0;
        _messageStart = -1;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void EnsureNoOpenMessage()
    {
        if (_messageStart >= 0)
        {
            throw new InvalidOperationException("A message is still open; call Finish first.");
        }
    }

    private void Ensure(int count)
    {
        if (_written + count <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + count));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
