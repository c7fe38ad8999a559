using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using OrleansGate.Proxy.Authentication;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Tests.Support;

/// <summary>
/// A byte-level PostgreSQL client for protocol edge cases no driver would produce: it sends
/// exactly the bytes a test gives it and records every byte it receives, so a test can look
/// for anything that must never reach a client.
/// </summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _received = new();

    private RawClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Every byte received so far.</summary>
    public byte[] Received => _received.ToArray();

    public static async Task<RawClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        return new RawClient(socket);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

    public Task SendAsync(Action<MessageBuilder> compose)
    {
        using var builder = new MessageBuilder();
        compose(builder);
        return SendAsync(builder.ToArray());
    }

    /// <summary>Half-closes the connection: the gateway sees the end of the stream but can still answer.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Vanishes abruptly: closes with a zero linger, so the gateway sees a reset, not an orderly end.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    /// <summary>Reads one byte (the answer to SSLRequest or GSSENCRequest).</summary>
    public async Task<byte> ReadByteAsync(TimeSpan? timeout = null)
    {
        var buffer = new byte[1];
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        await _stream.ReadExactlyAsync(buffer, cts.Token);
        _received.Write(buffer);
        return buffer[0];
    }

    /// <summary>Reads one message; null when the gateway closed the connection.</summary>
    public async Task<(char Type, byte[] Payload)?> ReadMessageAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var header = new byte[5];
        if (!await ReadExactOrEndAsync(header, cts.Token))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        var payload = new byte[length - 4];
        await _stream.ReadExactlyAsync(payload, cts.Token);
        _received.Write(header);
        _received.Write(payload);
        return ((char)header[0], payload);
    }

    /// <summary>Reads messages until ReadyForQuery (returned last) or the end of the connection.</summary>
    public async Task<List<(char Type, byte[] Payload)>> ReadUntilReadyAsync(TimeSpan? timeout = null)
    {
        var messages = new List<(char, byte[])>();
        while (await ReadMessageAsync(timeout) is { } message)
        {
            messages.Add(message);
            if (message.Type == 'Z')
            {
                break;
            }
        }

        return messages;
    }

    /// <summary>Reads until the gateway closes the connection; returns the messages seen.</summary>
    public async Task<List<(char Type, byte[] Payload)>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var messages = new List<(char, byte[])>();
        try
        {
            while (await ReadMessageAsync(timeout) is { } message)
            {
                messages.Add(message);
            }
        }
        catch (IOException)
        {
            // A reset after the last message is an end too.
        }

        return messages;
    }

    /// <summary>Sends a protocol 3.0 StartupMessage and logs in with SCRAM-SHA-256; returns the messages up to ReadyForQuery.</summary>
    public async Task<List<(char Type, byte[] Payload)>> LoginAsync(string user, string password, string database,
        IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("user", user), new("database", database) };
        parameters.AddRange(extra ?? []);
        await SendAsync(b => b.StartupMessage(parameters));
        return await AuthenticateAsync(password);
    }

    /// <summary>Answers the gateway's SCRAM-SHA-256 request; returns every message up to ReadyForQuery or an error.</summary>
    public async Task<List<(char Type, byte[] Payload)>> AuthenticateAsync(string password)
    {
        var seen = new List<(char, byte[])>();
        var scram = new ScramClientExchange(password);
        while (await ReadMessageAsync() is { } message)
        {
            seen.Add(message);
            if (message.Type is 'E' or 'Z')
            {
                return seen;
            }

            if (message.Type != 'R')
            {
                continue;
            }

            var code = BinaryPrimitives.ReadInt32BigEndian(message.Payload);
            var data = message.Payload.AsSpan(4);
            switch (code)
            {
                case AuthenticationCode.Sasl:
                    await SendAsync(b => b.SaslInitialResponse(ScramServerExchange.Mechanism, scram.ClientFirst()));
                    break;
                case AuthenticationCode.SaslContinue:
                    var final = scram.HandleServerFirst(data, out _)!;
                    await SendAsync(b => b.SaslResponse(final));
                    break;
            }
        }

        return seen;
    }

    public Task QueryAsync(string sql) => SendAsync(b => b.Start((byte)'Q').WriteCString(sql).Finish());

    public static ErrorResponse Error((char Type, byte[] Payload) message)
    {
        ErrorResponse.TryDecode(new ReadOnlySequence<byte>(message.Payload), out var error);
        return error;
    }

    public static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _received.Dispose();
    }

    private async Task<bool> ReadExactOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
