using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Proxy.Cluster;

/// <summary>
/// Decides whether the standalone proxy keeps trying to reach a silo at start-up. The Orleans
/// client connects before the proxy's listener starts (hosted services start in order), so
/// while this says "retry" no client is accepted: there would be no one to decide (fail closed).
/// After <see cref="ClusterOptions.ConnectTimeout"/> the proxy gives up and the process stops.
/// </summary>
public sealed partial class ClusterClientConnection(IOptions<ClusterOptions> options, TimeProvider clock,
    ILogger<ClusterClientConnection> logger) : IClientConnectionRetryFilter
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private DateTimeOffset? _deadline;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        _deadline ??= now + options.Value.ConnectTimeout;
        if (now >= _deadline)
        {
            LogGaveUp(logger, options.Value.ConnectTimeout, exception.Message);
            return false;
        }

        LogRetrying(logger, exception.Message);
        await Task.Delay(RetryDelay, clock, cancellationToken).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No silo of the cluster answered yet ({Reason}); retrying")]
    private static partial void LogRetrying(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "No silo of the cluster answered within {Timeout} ({Reason}); giving up")]
    private static partial void LogGaveUp(ILogger logger, TimeSpan timeout, string reason);
}
