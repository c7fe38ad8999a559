using OrleansGate.Grains.Configuration;
using OrleansGate.Proxy.Authentication;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Startup;

/// <summary>What the startup phase of a client connection came to.</summary>
public abstract record HandshakeResult;

/// <summary>The client is authenticated and may use the target; the session can start.</summary>
public sealed record ClientAuthenticated(
    Stream Stream,
    bool TlsUsed,
    GatewayIdentity Identity,
    TargetOptions Target,
    IReadOnlyList<KeyValuePair<string, string>> ForwardedParameters) : HandshakeResult
{
    /// <summary>The token the client logged in with; null for a configured identity.</summary>
    public Authentication.Tokens.TokenLogin? Token { get; init; }

    public string? ApplicationName => ForwardedParameters.FirstOrDefault(p => p.Key == "application_name").Value;
}

/// <summary>The connection carried a CancelRequest for a running session.</summary>
public sealed record CancelRequested(BackendKey Key) : HandshakeResult;

/// <summary>The client was refused (and told why) or went away; the connection is to be closed.</summary>
public sealed record HandshakeEnded(string Reason) : HandshakeResult
{
    /// <summary>Why the gateway refused the login (<see cref="Grains.Telemetry.LoginFailure"/>); null when the client went away.</summary>
    public string? Failure { get; init; }

    /// <summary>A token login that was refused: recorded in the audit store (the rest is only logged).</summary>
    public RefusedTokenLogin? Refused { get; init; }
}

/// <summary>A refused token login as the handshake saw it; the session adds where it came from.</summary>
public sealed record RefusedTokenLogin(string User, string Database, bool Tls, string? ApplicationName, Authentication.Tokens.TokenRefusal Refusal);
