using System.Buffers;
using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Telemetry;
using OrleansGate.Proxy.Authentication;
using OrleansGate.Proxy.Authentication.Tokens;
using OrleansGate.Proxy.Configuration;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Tls;

namespace OrleansGate.Proxy.Startup;

/// <summary>
/// The startup phase of a client connection (§55.2.1): TLS or GSS encryption requests, the
/// StartupMessage or a CancelRequest, the startup parameter check, and SCRAM-SHA-256 against
/// the gateway's own identities. Everything here reads exact lengths from the stream, so no
/// byte the client sent ahead is consumed by mistake.
/// </summary>
public sealed partial class ClientHandshake
{
    private const int NewestMinorVersion = 0;

    private readonly ProxyOptions _options;
    private readonly IdentityDirectory _directory;
    private readonly StartupParameterPolicy _parameters;
    private readonly ServerCertificate? _certificate;
    private readonly TokenAuthenticator? _tokens;
    private readonly ILogger _logger;

    public ClientHandshake(ProxyOptions options, IdentityDirectory directory, StartupParameterPolicy parameters,
        ServerCertificate? certificate, ILogger logger, TokenAuthenticator? tokens = null)
    {
        _tokens = tokens;
        _options = options;
        _directory = directory;
        _parameters = parameters;
        _certificate = certificate;
        _logger = logger;
    }

    public async Task<HandshakeResult> RunAsync(Socket socket, Stream stream, CancellationToken cancellationToken)
    {
        var tlsUsed = false;
        // As in PostgreSQL's ProcessStartupPacket: each encryption request may come once, in
        // either order (libpq with gssencmode=prefer asks GSSENCRequest, then SSLRequest), and
        // GSS is no longer on offer once TLS is up. So at most two requests precede the
        // StartupMessage; a repeated one is refused instead of answered until the timeout.
        var sslAsked = false;
        var gssAsked = false;
        StartupMessagePacket startup;
        while (true)
        {
            var read = await StreamMessageIO.ReadStartupPacketAsync(stream, cancellationToken).ConfigureAwait(false);
            if (read.Error is not null)
            {
                return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.ProtocolViolation, read.Error, cancellationToken).ConfigureAwait(false);
            }

            switch (read.Packet)
            {
                case null:
                    return new HandshakeEnded("the client closed the connection before startup");
                case SslRequestPacket when sslAsked:
                    return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.ProtocolViolation, "SSL encryption was already requested",
                        cancellationToken).ConfigureAwait(false);
                case GssEncRequestPacket when gssAsked || tlsUsed:
                    return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.ProtocolViolation,
                        tlsUsed ? "GSSAPI encryption requested inside a TLS connection" : "GSSAPI encryption was already requested",
                        cancellationToken).ConfigureAwait(false);
                case SslRequestPacket:
                    sslAsked = true;
                    // CVE-2021-23214: bytes sent behind SSLRequest, before the handshake, would be
                    // read as if they had come over TLS. Refuse them instead.
                    if (socket.Available > 0)
                    {
                        return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.ProtocolViolation,
                            "received unencrypted data after SSL request", cancellationToken).ConfigureAwait(false);
                    }

                    if (_certificate is null)
                    {
                        await stream.WriteAsync("N"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await stream.WriteAsync("S"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = _certificate.Context,
                        ClientCertificateRequired = false,
                    }, cancellationToken).ConfigureAwait(false);
                    stream = tls;
                    tlsUsed = true;
                    continue;
                case GssEncRequestPacket:
                    gssAsked = true;
                    // GSSAPI encryption is not offered; the client goes on in plain text or asks for TLS.
                    await stream.WriteAsync("N"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                    continue;
                case CancelRequestPacket cancel:
                    return new CancelRequested(cancel.Key);
                case UnsupportedProtocolPacket unsupported:
                    return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.FeatureNotSupported,
                        $"unsupported frontend protocol {unsupported.MajorVersion}.{unsupported.MinorVersion}: the gateway supports 3.0",
                        cancellationToken).ConfigureAwait(false);
                case StartupMessagePacket message:
                    startup = message;
                    break;
                default:
                    return new HandshakeEnded("unexpected startup packet");
            }

            break;
        }

        if (_options.Tls.Required && !tlsUsed)
        {
            return await RefuseAsync(stream, LoginFailure.Tls, SqlState.InvalidAuthorizationSpecification,
                "this gateway accepts only TLS connections (use sslmode=require)", cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await AuthenticateAsync(stream, tlsUsed, startup, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!IsClientOrStop(e))
        {
            // A fault of the gateway's own (never the client's doing): the client still gets an
            // ErrorResponse saying so, not a closed socket; the details go to the log only.
            LogLoginFault(_logger, startup["user"] ?? string.Empty, e);
            return await RefuseAsync(stream, LoginFailure.Internal, SqlState.InternalError, LoginFaultMessage, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What a client is told when its login fails on a fault inside the gateway.</summary>
    public const string LoginFaultMessage = "the gateway could not complete the login because of an internal error (logged); try again later";

    /// <summary>The client went away, broke the protocol, or the gateway is stopping: nothing to tell the client.</summary>
    public static bool IsClientOrStop(Exception e) => e is IOException or System.Net.Sockets.SocketException or EndOfStreamException
        or ObjectDisposedException or OperationCanceledException or WireProtocolException or System.Security.Authentication.AuthenticationException;

    private async Task<HandshakeResult> AuthenticateAsync(Stream stream, bool tlsUsed, StartupMessagePacket startup,
        CancellationToken cancellationToken)
    {
        var protocolOptions = startup.Parameters.Where(p => StartupParameterPolicy.IsProtocolOption(p.Key)).Select(p => p.Key).ToList();
        if (startup.MinorVersion > NewestMinorVersion || protocolOptions.Count > 0)
        {
            using var negotiate = new MessageBuilder();
            negotiate.NegotiateProtocolVersion(NewestMinorVersion, protocolOptions);
            await StreamMessageIO.WriteAsync(stream, negotiate, cancellationToken).ConfigureAwait(false);
        }

        var user = startup["user"];
        if (string.IsNullOrEmpty(user))
        {
            return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.InvalidAuthorizationSpecification,
                "no user name specified in startup packet", cancellationToken).ConfigureAwait(false);
        }

        var database = startup["database"];
        if (string.IsNullOrEmpty(database))
        {
            database = user;
        }

        var forwarded = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in startup.Parameters)
        {
            if (name is "user" or "database" || StartupParameterPolicy.IsProtocolOption(name))
            {
                continue;
            }

            if (!_parameters.IsForwarded(name))
            {
                return await RefuseAsync(stream, LoginFailure.Parameter, SqlState.InsufficientPrivilege,
                    $"startup parameter \"{name}\" is not allowed through the gateway",
                    cancellationToken, hint: "Set it with SET after connecting, if policy allows it.").ConfigureAwait(false);
            }

            if (!SqlReadingSettings.IsSafe(name, value))
            {
                // The gateway parses SQL as UTF-8 with standard-conforming strings; under another
                // value a statement could read differently to the gateway and to the server.
                return await RefuseAsync(stream, LoginFailure.Parameter, SqlState.FeatureNotSupported, SqlReadingSettings.Refusal(name, value),
                    cancellationToken).ConfigureAwait(false);
            }

            forwarded.Add(new(name, value));
        }

        // A name that is not a configured identity logs in with a token when issuers are configured.
        if (_tokens is { Enabled: true } && !_directory.IsConfigured(user))
        {
            return await AuthenticateWithTokenAsync(stream, tlsUsed, user, database, forwarded, cancellationToken).ConfigureAwait(false);
        }

        var (exchange, identity) = _directory.BeginScram(user, tlsUsed ? _certificate?.ChannelBinding : null);
        using var builder = new MessageBuilder();
        builder.AuthenticationSasl([.. exchange.Mechanisms]);
        await StreamMessageIO.WriteAsync(stream, builder, cancellationToken).ConfigureAwait(false);

        var initial = await ReadPasswordMessageAsync(stream, cancellationToken).ConfigureAwait(false);
        if (initial is null)
        {
            return new HandshakeEnded("the client left during authentication");
        }

        if (!TryReadSaslInitialResponse(initial, out var mechanism, out var clientFirst))
        {
            return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.ProtocolViolation, "malformed SASLInitialResponse", cancellationToken).ConfigureAwait(false);
        }

        var serverFirst = exchange.HandleClientFirst(mechanism, clientFirst, out var firstError);
        if (serverFirst is null)
        {
            return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.ProtocolViolation, firstError!, cancellationToken).ConfigureAwait(false);
        }

        builder.AuthenticationSaslContinue(serverFirst);
        await StreamMessageIO.WriteAsync(stream, builder, cancellationToken).ConfigureAwait(false);

        var clientFinal = await ReadPasswordMessageAsync(stream, cancellationToken).ConfigureAwait(false);
        if (clientFinal is null)
        {
            return new HandshakeEnded("the client left during authentication");
        }

        var serverFinal = exchange.HandleClientFinal(clientFinal, out var malformed);
        if (serverFinal is null)
        {
            if (malformed)
            {
                return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.ProtocolViolation, exchange.Failure ?? "malformed SCRAM message", cancellationToken)
                    .ConfigureAwait(false);
            }

            LogAuthenticationFailed(_logger, user);
            return await RefuseAsync(stream, LoginFailure.Password, SqlState.InvalidPassword,
                $"password authentication failed for user \"{user}\"", cancellationToken).ConfigureAwait(false);
        }

        builder.AuthenticationSaslFinal(serverFinal);
        await StreamMessageIO.WriteAsync(stream, builder, cancellationToken).ConfigureAwait(false);

        return await AdmitAsync(stream, tlsUsed, identity!, null, database, forwarded, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A token as password (OIDC, docs/identities.md). Asked for in clear, so only over TLS: on a
    /// plain connection the client is refused before it sends it, unless the target it names is
    /// marked for local testing. Refusals are recorded (<see cref="HandshakeEnded.Refused"/>).
    /// </summary>
    private async Task<HandshakeResult> AuthenticateWithTokenAsync(Stream stream, bool tlsUsed, string user, string database,
        List<KeyValuePair<string, string>> forwarded, CancellationToken cancellationToken)
    {
        var application = forwarded.FirstOrDefault(p => p.Key == "application_name").Value;
        if (!tlsUsed && _directory.FindTarget(database) is not { AllowTokensWithoutTls: true })
        {
            return await RefuseTokenAsync(stream, new RefusedTokenLogin(user, database, tlsUsed, application,
                new TokenRefusal("a token is accepted only over TLS (connect with sslmode=require)", null)), cancellationToken).ConfigureAwait(false);
        }

        using (var builder = new MessageBuilder())
        {
            builder.AuthenticationCleartextPassword();
            await StreamMessageIO.WriteAsync(stream, builder, cancellationToken).ConfigureAwait(false);
        }

        var payload = await ReadPasswordMessageAsync(stream, cancellationToken).ConfigureAwait(false);
        if (payload is null)
        {
            return new HandshakeEnded("the client left during authentication");
        }

        var reader = new PayloadReader(new ReadOnlySequence<byte>(payload));
        if (!reader.TryReadCString(out var token) || !reader.End)
        {
            return await RefuseAsync(stream, LoginFailure.Protocol, SqlState.ProtocolViolation, "malformed password message", cancellationToken).ConfigureAwait(false);
        }

        var (login, refusal) = await _tokens!.AuthenticateAsync(user, token, cancellationToken).ConfigureAwait(false);
        if (login is null)
        {
            return await RefuseTokenAsync(stream, new RefusedTokenLogin(user, database, tlsUsed, application, refusal!), cancellationToken)
                .ConfigureAwait(false);
        }

        return await AdmitAsync(stream, tlsUsed, login.Identity, login, database, forwarded, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HandshakeResult> RefuseTokenAsync(Stream stream, RefusedTokenLogin refused, CancellationToken cancellationToken)
    {
        LogTokenRefused(_logger, refused.User, refused.Refusal.Reason);
        var ended = await RefuseAsync(stream, LoginFailure.Token, SqlState.InvalidAuthorizationSpecification,
            $"token authentication failed for user \"{refused.User}\": {refused.Refusal.Reason}", cancellationToken).ConfigureAwait(false);
        return ((HandshakeEnded)ended) with { Refused = refused };
    }

    /// <summary>The last step of every login: the authenticated client gets its target, if it exists and it may use it.</summary>
    private async Task<HandshakeResult> AdmitAsync(Stream stream, bool tlsUsed, GatewayIdentity identity, TokenLogin? token, string database,
        List<KeyValuePair<string, string>> forwarded, CancellationToken cancellationToken)
    {
        // Only an authenticated client learns whether a target exists or whether it may use it.
        var target = _directory.FindTarget(database);
        if (target is null)
        {
            return await RefuseAsync(stream, LoginFailure.Target, SqlState.InvalidCatalogName,
                $"database \"{database}\" does not exist on this gateway", cancellationToken).ConfigureAwait(false);
        }

        if (!IdentityDirectory.MayUse(identity, target))
        {
            return await RefuseAsync(stream, LoginFailure.Target, SqlState.InvalidAuthorizationSpecification,
                $"identity \"{identity.Name}\" is not allowed to use database \"{database}\"", cancellationToken).ConfigureAwait(false);
        }

        return new ClientAuthenticated(stream, tlsUsed, identity, target, forwarded) { Token = token };
    }

    /// <summary>Reads the next 'p' message; null when the client closed or sent Terminate instead.</summary>
    private static async Task<byte[]?> ReadPasswordMessageAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte type;
        byte[] payload;
        try
        {
            (type, payload) = await StreamMessageIO.ReadMessageAsync(stream, StartupPacket.MaxLength, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            return null;
        }

        if (type == (byte)FrontendMessageType.Terminate)
        {
            return null;
        }

        if (type != (byte)FrontendMessageType.Password)
        {
            throw new WireProtocolException($"expected a SASL response, got message type {MessageTypeNames.Printable(type)}");
        }

        return payload;
    }

    // SASLInitialResponse: String mechanism, Int32 length of the data (-1 = none), the data.
    private static bool TryReadSaslInitialResponse(byte[] payload, out string mechanism, out byte[] data)
    {
        data = [];
        var reader = new PayloadReader(new ReadOnlySequence<byte>(payload));
        if (!reader.TryReadCString(out mechanism) || !reader.TryReadInt32(out var length) || length < 0 ||
            !reader.TryReadBytes(length, out var bytes) || !reader.End)
        {
            return false;
        }

        data = bytes.ToArray();
        return true;
    }

    /// <param name="failure">What kind of refusal it is, for the login failure metric (<see cref="LoginFailure"/>).</param>
    private static async Task<HandshakeResult> RefuseAsync(Stream stream, string failure, string sqlState, string message,
        CancellationToken cancellationToken, string? hint = null)
    {
        await SendFatalAsync(stream, sqlState, message, cancellationToken, hint).ConfigureAwait(false);
        return new HandshakeEnded(message) { Failure = failure };
    }

    /// <summary>Sends a FATAL ErrorResponse; a client that has already gone is not an error.</summary>
    public static async Task SendFatalAsync(Stream stream, string sqlState, string message, CancellationToken cancellationToken,
        string? hint = null)
    {
        using var builder = new MessageBuilder();
        builder.ErrorResponse(Severity.Fatal, sqlState, message, hint: hint);
        try
        {
            await StreamMessageIO.WriteAsync(stream, builder, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone; there is no one left to tell.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Token login of {User} refused: {Reason}")]
    private static partial void LogTokenRefused(ILogger logger, string user, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication failed for identity {Identity}")]
    private static partial void LogAuthenticationFailed(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Login of {User} failed on a fault inside the gateway; the client was told so")]
    private static partial void LogLoginFault(ILogger logger, string user, Exception exception);
}
