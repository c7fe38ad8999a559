namespace OrleansGate.Grains.Sessions.Live;

/// <summary>A client session that is connected right now, as the proxy holding it describes it.</summary>
[GenerateSerializer, Immutable]
public sealed record LiveSession
{
    /// <summary>The session's id: its session grain's key and audit stream id.</summary>
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required string Identity { get; init; }

    [Id(2)] public required string Target { get; init; }

    /// <summary>The client's address and port, as the proxy saw it.</summary>
    [Id(3)] public string? ClientAddress { get; init; }

    [Id(4)] public required DateTimeOffset StartedAt { get; init; }

    [Id(5)] public string? ApplicationName { get; init; }

    /// <summary>The proxy process that holds the connection.</summary>
    [Id(6)] public required string Proxy { get; init; }
}
