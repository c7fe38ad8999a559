namespace OrleansGate.Proxy.Relay;

/// <summary>How a relayed session ended.</summary>
public enum RelayEnd
{
    /// <summary>The client sent Terminate.</summary>
    ClientTerminated,
    /// <summary>The client's connection closed or broke.</summary>
    ClientClosed,
    /// <summary>The client broke the protocol; it is told so (08P01) and disconnected.</summary>
    ClientProtocolViolation,
    /// <summary>The upstream connection closed or broke.</summary>
    UpstreamClosed,
    /// <summary>The upstream server sent something the gateway does not understand.</summary>
    UpstreamProtocolViolation,
    /// <summary>The gateway is shutting down.</summary>
    Stopped,
}

public sealed record RelayOutcome(RelayEnd End, string? Detail = null)
{
    public static readonly RelayOutcome ClientTerminated = new(RelayEnd.ClientTerminated);
    public static readonly RelayOutcome ClientClosed = new(RelayEnd.ClientClosed);
    public static readonly RelayOutcome UpstreamClosed = new(RelayEnd.UpstreamClosed);
    public static readonly RelayOutcome Stopped = new(RelayEnd.Stopped);
}
