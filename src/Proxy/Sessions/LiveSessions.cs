using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Proxy.Sessions;

/// <summary>
/// The sessions this proxy process holds right now, so the admin API can list them and end one
/// (through <see cref="LiveSessionHost"/>). A session registers once it has greeted its client
/// and disposes its registration when it ends.
/// </summary>
public sealed partial class LiveSessions(TimeProvider clock, ILogger<LiveSessions> logger)
{
    /// <summary>What the client is told (FATAL 57P01) when an administrator ends its session.</summary>
    public const string TerminatedMessage = "terminated by administrator";

    private readonly ConcurrentDictionary<string, Registration> _sessions = new(StringComparer.Ordinal);

    /// <summary>This process, as the directory knows it.</summary>
    public string ProxyId { get; } = $"{Dns.GetHostName()}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    public int Count => _sessions.Count;

    /// <summary>
    /// Registers a session; <see cref="Registration.Token"/> is <paramref name="stopping"/> or an
    /// administrator's end, whichever comes first. Dispose it when the session ends.
    /// </summary>
    public Registration Register(string? sessionId, string identity, string target, IPEndPoint? client, string? applicationName,
        CancellationToken stopping)
    {
        var session = new LiveSession
        {
            Id = sessionId ?? Guid.NewGuid().ToString("N"),
            Identity = identity,
            Target = target,
            ClientAddress = client?.ToString(),
            StartedAt = clock.GetUtcNow(),
            ApplicationName = applicationName,
            Proxy = ProxyId,
        };
        var registration = new Registration(this, session, stopping);
        _sessions[session.Id] = registration;
        return registration;
    }

    public IReadOnlyList<LiveSession> List() => _sessions.Values.Select(r => r.Session).ToList();

    /// <summary>Ends a session held here; false when there is none with that id.</summary>
    public bool TryTerminate(string sessionId, string requestedBy)
    {
        if (!_sessions.TryGetValue(sessionId, out var registration))
        {
            return false;
        }

        LogTerminating(logger, sessionId, registration.Session.Identity, registration.Session.Target, requestedBy);
        registration.Terminate(requestedBy);
        return true;
    }

    private void Remove(Registration registration) => _sessions.TryRemove(KeyValuePair.Create(registration.Session.Id, registration));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session} of {Identity} on {Target} ended by administrator {By}")]
    private static partial void LogTerminating(ILogger logger, string session, string identity, string target, string by);

    /// <summary>One live session's entry; disposing it removes the entry.</summary>
    public sealed class Registration : IDisposable
    {
        private readonly LiveSessions _owner;
        private readonly CancellationTokenSource _ending;
        private int _disposed;

        internal Registration(LiveSessions owner, LiveSession session, CancellationToken stopping)
        {
            _owner = owner;
            Session = session;
            _ending = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        }

        public LiveSession Session { get; }

        /// <summary>Cancelled when the gateway stops or an administrator ends the session.</summary>
        public CancellationToken Token => _ending.Token;

        /// <summary>Set once an administrator ended the session.</summary>
        public bool Terminated => TerminatedBy is not null;

        /// <summary>The identity that ended the session through the admin API, for its record.</summary>
        public string? TerminatedBy { get; private set; }

        internal void Terminate(string requestedBy)
        {
            TerminatedBy = requestedBy;
            try
            {
                _ending.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The session ended on its own meanwhile.
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _owner.Remove(this);
                _ending.Dispose();
            }
        }
    }
}
