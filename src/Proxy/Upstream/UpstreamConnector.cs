using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using OrleansGate.Grains.Configuration;
using OrleansGate.Proxy.Authentication;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Upstream;

/// <summary>
/// Opens a session on a target with the gateway-held credentials: TCP, TLS per
/// <see cref="TargetOptions.SslMode"/>, StartupMessage, then whichever password exchange the
/// server asks for (SCRAM-SHA-256, MD5 or cleartext), up to the first ReadyForQuery.
/// </summary>
public sealed class UpstreamConnector
{
    // Startup-phase server messages are small; this bounds what a misbehaving server can make us allocate.
    private const int MaxStartupMessageBytes = 1024 * 1024;

    public async Task<UpstreamConnection> ConnectAsync(TargetOptions target, IEnumerable<KeyValuePair<string, string>> sessionParameters,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(target.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream = Stream.Null;
        try
        {
            try
            {
                await socket.ConnectAsync(target.Host, target.Port, timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new UpstreamConnectException($"could not reach the server ({e.SocketErrorCode})", e);
            }

            stream = new NetworkStream(socket, ownsSocket: false);
            var tlsUsed = false;
            if (target.SslMode != UpstreamSslMode.Disable)
            {
                (stream, tlsUsed) = await NegotiateTlsAsync(stream, target, timeout.Token).ConfigureAwait(false);
            }

            using var builder = new MessageBuilder();
            var parameters = new List<KeyValuePair<string, string>>
            {
                new("user", target.Username),
                new("database", target.UpstreamDatabase),
            };
            // The gateway decides how SQL is read (UTF-8, standard-conforming strings); a client's
            // own values were checked at login, the role's or database's defaults are overridden here.
            parameters.AddRange(sessionParameters.Where(p => !Startup.SqlReadingSettings.IsGoverned(p.Key)));
            parameters.AddRange(Startup.SqlReadingSettings.Required);
            builder.StartupMessage(parameters);
            await StreamMessageIO.WriteAsync(stream, builder, timeout.Token).ConfigureAwait(false);

            await AuthenticateAsync(stream, target, builder, timeout.Token).ConfigureAwait(false);
            var (statuses, key, status) = await ReadUntilReadyAsync(stream, timeout.Token).ConfigureAwait(false);
            if (statuses.Find(s => !Startup.SqlReadingSettings.IsSafe(s.Key, s.Value)) is { Key: not null } unsafeSetting)
            {
                throw new UpstreamConnectException(
                    $"the server reports {unsafeSetting.Key} = {unsafeSetting.Value}, under which the gateway cannot read SQL as the server does");
            }

            return new UpstreamConnection(socket, stream, tlsUsed, statuses, key, status);
        }
        catch (Exception e) when (e is not UpstreamConnectException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw e switch
            {
                OperationCanceledException when !cancellationToken.IsCancellationRequested =>
                    new UpstreamConnectException($"no answer within {target.ConnectTimeout.TotalSeconds:0.#} s", e),
                AuthenticationException => new UpstreamConnectException("the TLS handshake failed: " + e.Message, e),
                IOException or SocketException or EndOfStreamException => new UpstreamConnectException("the server closed the connection during startup", e),
                WireProtocolException => new UpstreamConnectException("the server broke the protocol during startup: " + e.Message, e),
                _ => e,
            };
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends a CancelRequest for an upstream backend over a fresh connection (§55.2.7), inside TLS
    /// when the target's SslMode asks for it, as libpq does since PostgreSQL 17: the backend's
    /// cancel key is as much a secret as the session it can interrupt.
    /// </summary>
    public static async Task SendCancelAsync(TargetOptions target, BackendKey key, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(target.Host, target.Port, cancellationToken).ConfigureAwait(false);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            if (target.SslMode != UpstreamSslMode.Disable)
            {
                (stream, _) = await NegotiateTlsAsync(stream, target, cancellationToken).ConfigureAwait(false);
            }

            using var builder = new MessageBuilder();
            builder.CancelRequest(key);
            await StreamMessageIO.WriteAsync(stream, builder, cancellationToken).ConfigureAwait(false);

            // The server closes the connection once it has read the request; wait for that so the
            // cancel is in before the caller moves on.
            var sink = new byte[1];
            try
            {
                _ = await stream.ReadAsync(sink, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (stream is SslStream)
            {
                // The server hangs up without a TLS close_notify: that is the answer.
            }
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<(Stream, bool)> NegotiateTlsAsync(Stream stream, TargetOptions target, CancellationToken cancellationToken)
    {
        using var builder = new MessageBuilder();
        builder.SslRequest();
        await StreamMessageIO.WriteAsync(stream, builder, cancellationToken).ConfigureAwait(false);
        var answer = new byte[1];
        await stream.ReadExactlyAsync(answer, cancellationToken).ConfigureAwait(false);
        if (answer[0] == (byte)'N')
        {
            if (target.SslMode == UpstreamSslMode.Prefer)
            {
                return (stream, false);
            }

            throw new UpstreamConnectException($"SslMode {target.SslMode} needs TLS, but the server does not offer it");
        }

        if (answer[0] != (byte)'S')
        {
            throw new UpstreamConnectException("the server answered SSLRequest with neither 'S' nor 'N'");
        }

        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = target.Host,
            EnabledSslProtocols = SslProtocols.None, // the platform's secure defaults
        };
        if (target.SslMode == UpstreamSslMode.VerifyFull)
        {
            if (!string.IsNullOrEmpty(target.RootCertificate))
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(target.RootCertificate);
                options.CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                options.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
            }
        }
        else
        {
            // Prefer and Require encrypt without authenticating the server, as libpq's modes of the same names do.
            options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }

        await tls.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        return (tls, true);
    }

    private static async Task AuthenticateAsync(Stream stream, TargetOptions target, MessageBuilder builder, CancellationToken cancellationToken)
    {
        ScramClientExchange? scram = null;
        while (true)
        {
            var (type, payload) = await StreamMessageIO.ReadMessageAsync(stream, MaxStartupMessageBytes, cancellationToken).ConfigureAwait(false);
            if (type == (byte)BackendMessageType.ErrorResponse)
            {
                throw RefusedBy(payload, "refused the gateway's login");
            }

            if (type == (byte)BackendMessageType.NegotiateProtocolVersion)
            {
                continue; // The gateway asks for 3.0 with no options, so there is nothing to adjust.
            }

            if (type != (byte)BackendMessageType.Authentication || payload.Length < 4)
            {
                throw new WireProtocolException($"expected an authentication request, got {MessageTypeNames.Printable(type)}");
            }

            var code = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(payload);
            var data = payload.AsSpan(4);
            switch (code)
            {
                case AuthenticationCode.Ok:
                    if (scram is not null)
                    {
                        throw new UpstreamConnectException("the server skipped the final SCRAM step");
                    }

                    return;
                case AuthenticationCode.CleartextPassword:
                    builder.PasswordMessage(target.Password);
                    break;
                case AuthenticationCode.Md5Password when data.Length == 4:
                    builder.PasswordMessage(Md5Password.Compute(target.Username, target.Password, data));
                    break;
                case AuthenticationCode.Sasl:
                    if (!OffersMechanism(data, ScramServerExchange.Mechanism))
                    {
                        throw new UpstreamConnectException("the server offers no SASL mechanism the gateway supports");
                    }

                    scram = new ScramClientExchange(target.Password);
                    builder.SaslInitialResponse(ScramServerExchange.Mechanism, scram.ClientFirst());
                    break;
                case AuthenticationCode.SaslContinue when scram is not null:
                    var final = scram.HandleServerFirst(data, out var error)
                        ?? throw new UpstreamConnectException("SCRAM failed: " + error);
                    builder.SaslResponse(final);
                    break;
                case AuthenticationCode.SaslFinal when scram is not null:
                    if (!scram.VerifyServerFinal(data))
                    {
                        throw new UpstreamConnectException("the server's SCRAM signature is wrong; it does not know the password");
                    }

                    scram = null;
                    continue;
                default:
                    throw new UpstreamConnectException($"the server asks for an authentication method the gateway does not support (code {code})");
            }

            await StreamMessageIO.WriteAsync(stream, builder, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<(List<KeyValuePair<string, string>>, BackendKey, TransactionStatus)> ReadUntilReadyAsync(
        Stream stream, CancellationToken cancellationToken)
    {
        var statuses = new List<KeyValuePair<string, string>>();
        BackendKey key = default;
        while (true)
        {
            var (type, payload) = await StreamMessageIO.ReadMessageAsync(stream, MaxStartupMessageBytes, cancellationToken).ConfigureAwait(false);
            var sequence = new System.Buffers.ReadOnlySequence<byte>(payload);
            switch ((BackendMessageType)type)
            {
                case BackendMessageType.ParameterStatus when ParameterStatus.TryDecode(sequence, out var status):
                    statuses.Add(new(status.Name, status.Value));
                    break;
                case BackendMessageType.BackendKeyData when BackendKey.TryDecode(sequence, out var decoded):
                    key = decoded;
                    break;
                case BackendMessageType.NoticeResponse:
                    break;
                case BackendMessageType.ErrorResponse:
                    throw RefusedBy(payload, "refused the session");
                case BackendMessageType.ReadyForQuery when ReadyForQuery.TryDecode(sequence, out var ready):
                    return (statuses, key, ready.Status);
                default:
                    throw new WireProtocolException($"unexpected message {MessageTypeNames.Printable(type)} during startup");
            }
        }
    }

    private static bool OffersMechanism(ReadOnlySpan<byte> data, string mechanism)
    {
        var wanted = System.Text.Encoding.ASCII.GetBytes(mechanism);
        while (!data.IsEmpty && data[0] != 0)
        {
            var end = data.IndexOf((byte)0);
            if (end < 0)
            {
                return false;
            }

            if (data[..end].SequenceEqual(wanted))
            {
                return true;
            }

            data = data[(end + 1)..];
        }

        return false;
    }

    // The server's message text names the upstream role ("password authentication failed for
    // user ..."), so only its SQLSTATE is passed on.
    private static UpstreamConnectException RefusedBy(byte[] payload, string what)
    {
        var code = ErrorResponse.TryDecode(new System.Buffers.ReadOnlySequence<byte>(payload), out var error) ? error.SqlState : null;
        return new UpstreamConnectException($"the server {what} (SQLSTATE {code ?? "unknown"})");
    }
}
