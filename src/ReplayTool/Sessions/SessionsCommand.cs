using System.CommandLine;
using Marten;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.ReplayTool.Store;

namespace OrleansGate.ReplayTool.Sessions;

/// <summary><c>sessions list|show|play|export</c>: recorded sessions, from the audit store.</summary>
public static class SessionsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var sessions = new Command("sessions", "Recorded sessions: list, show a timeline, play as a transcript, export the events");
        sessions.Add(SessionsListCommand.Create(globals));
        sessions.Add(SessionsShowCommand.Create(globals));
        sessions.Add(SessionsPlayCommand.Create(globals));
        sessions.Add(SessionsExportCommand.Create(globals));
        return sessions;
    }

    internal static Argument<string> IdArgument() => new("ID") { Description = "The session's id, as `sessions list` shows it" };

    /// <summary>The session's timeline folded live from its stream (always current, no projection needed).</summary>
    internal static async Task<(SessionSummary Summary, SessionTimeline Timeline)> LoadAsync(AuditStoreAccess access, string id,
        CancellationToken cancellationToken)
    {
        var loaded = await access.RunAsync(async store =>
        {
            await using var session = store.QuerySession();
            var summary = await session.Events.AggregateStreamAsync<SessionSummary>(id, token: cancellationToken).ConfigureAwait(false);
            var timeline = await session.Events.AggregateStreamAsync<SessionTimeline>(id, token: cancellationToken).ConfigureAwait(false);
            return (summary, timeline);
        }).ConfigureAwait(false);
        return loaded is ({ } s, { } t) ? (s, t) : throw new CommandFailedException($"no session '{id}' in the audit record at {access.Where}");
    }
}
