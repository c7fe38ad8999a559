using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Sessions;

/// <summary>Where in the protocol a statement was met.</summary>
public enum StatementPhase
{
    /// <summary>A statement of a simple-protocol Query message.</summary>
    Query,
    /// <summary>An extended-protocol Parse that the same batch does not execute.</summary>
    Prepare,
    /// <summary>An extended-protocol Execute, with the Parse's SQL and the Bind's parameters.</summary>
    Execute,
    /// <summary>A FunctionCall message.</summary>
    FunctionCall,
}

/// <summary>One statement to decide.</summary>
[GenerateSerializer, Immutable]
public sealed record StatementRequest(
    [property: Id(0)] StatementInfo Statement,
    [property: Id(1)] StatementPhase Phase,
    [property: Id(2)] IReadOnlyList<string?> Parameters)
{
    /// <summary>
    /// Set when the proxy cannot run the statement as the server would: it names a prepared
    /// statement or portal the gateway cannot account for. The statement is recorded and refused.
    /// </summary>
    [Id(3)] public RequestRefusal? Refusal { get; init; }
}

/// <summary>Why the proxy refuses a request before any policy: the SQLSTATE and message the client gets.</summary>
[GenerateSerializer, Immutable]
public sealed record RequestRefusal(
    [property: Id(0)] string Rule,
    [property: Id(1)] string SqlState,
    [property: Id(2)] string Message);

/// <summary>How a session began, as the proxy saw it.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionStart(
    [property: Id(0)] string Identity,
    [property: Id(1)] IReadOnlyList<string> Groups,
    [property: Id(2)] string Target,
    [property: Id(3)] string? ClientAddress,
    [property: Id(4)] string? ApplicationName,
    [property: Id(5)] bool Tls)
{
    /// <summary>
    /// The proxy process that holds the connection (its session directory id), recorded so the
    /// sweeper can seal the session once that proxy is gone (docs/audit-integrity.md#crashes).
    /// </summary>
    [Id(6)] public string? Proxy { get; init; }

    /// <summary>The token the client logged in with; null for a configured identity.</summary>
    [Id(7)] public LoginToken? Token { get; init; }
}

/// <summary>A login the proxy refused after checking the client's token, for the record.</summary>
[GenerateSerializer, Immutable]
public sealed record LoginRefusal(
    [property: Id(0)] string Identity,
    [property: Id(1)] string Target,
    [property: Id(2)] string? ClientAddress,
    [property: Id(3)] string? ApplicationName,
    [property: Id(4)] bool Tls,
    [property: Id(5)] string Reason,
    [property: Id(6)] LoginToken? Claimed,
    [property: Id(7)] string? Proxy);
