using System.Net.Sockets;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Upstream;

/// <summary>A logged-in upstream session, ready for queries, as <see cref="UpstreamConnector"/> leaves it.</summary>
public sealed class UpstreamConnection : IAsyncDisposable
{
    public UpstreamConnection(Socket socket, Stream stream, bool tlsUsed, IReadOnlyList<KeyValuePair<string, string>> parameters,
        BackendKey key, TransactionStatus status)
    {
        Socket = socket;
        Stream = stream;
        TlsUsed = tlsUsed;
        Parameters = parameters;
        Key = key;
        Status = status;
    }

    public Socket Socket { get; }

    /// <summary>The plain network stream, or the TLS stream over it.</summary>
    public Stream Stream { get; }

    public bool TlsUsed { get; }

    /// <summary>The ParameterStatus values the server reported at startup, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; }

    /// <summary>The upstream backend's cancel key; only the gateway ever sees it.</summary>
    public BackendKey Key { get; }

    public TransactionStatus Status { get; }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync().ConfigureAwait(false);
        Socket.Dispose();
    }
}

/// <summary>
/// Why an upstream connection could not be made, in words safe to show a client: the target's
/// name and the kind of failure, never its host credentials or the server's own error text
/// (which names the upstream role).
/// </summary>
public sealed class UpstreamConnectException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    public string Reason => Message;
}
