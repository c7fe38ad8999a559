using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.Grains.Sessions.Live;
using OrleansGate.Silo.Admin.Audit;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// <c>GET /sessions</c> (the live sessions of every proxy) and <c>DELETE /sessions/{id}</c> (end
/// one): administrators every session, others their own (<see cref="AdminAccess"/>). A session's
/// record, live or ended: <c>GET /sessions/{id}/timeline</c> and <c>/transcript</c>, for administrators,
/// auditors and the session's own identity (checked before the stream is read: <see cref="SessionRecordHead"/>).
/// </summary>
public static class SessionEndpoints
{
    public static void Map(RouteGroupBuilder api, IGrainFactory grains, AdminAccess access, IAuditLog audit, AuditReadModel reads)
    {
        // A session's record as a timeline (the replay tool's projection, folded from the stream as read).
        api.MapGet("/sessions/{id}/timeline", (string id, HttpContext context) => reads.ReadAsync(async () =>
            await ReadableTimelineAsync(id, context).ConfigureAwait(false) switch
            {
                (_, { } tooLong) => tooLong,
                ({ } timeline, _) => Results.Ok(timeline),
                _ => NotInRecord(id),
            }));

        // The same record as `sessions play` prints it, statement by statement with its offset, for the console's replay.
        api.MapGet("/sessions/{id}/transcript", (string id, HttpContext context) => reads.ReadAsync(async () =>
        {
            var (timeline, tooLong) = await ReadableTimelineAsync(id, context).ConfigureAwait(false);
            if (tooLong is not null)
            {
                return tooLong;
            }

            if (timeline is null)
            {
                return NotInRecord(id);
            }

            var prompt = TimelineTranscript.Prompt(timeline.Identity, timeline.Target);
            return Results.Ok(new TranscriptDocument(timeline.Id, timeline.Identity, timeline.Target, timeline.Start, timeline.End, timeline.EndReason,
                [.. timeline.Entries.Select(e => new TranscriptStatement(e.Sequence, e.OffsetMs, [.. TimelineTranscript.Render(prompt, e)]))]));
        }));

        // Access first, from the stream's head (one indexed row): the stream is read only for a caller
        // who may read it, and only when it is within SessionRecordHead.MaxEvents.
        async Task<(SessionTimeline? Timeline, IResult? TooLong)> ReadableTimelineAsync(string id, HttpContext context)
        {
            if (!SessionRecordHead.IsSessionId(id)
                || await SessionRecordHead.ReadAsync(reads, id, context.RequestAborted).ConfigureAwait(false) is not { } head
                || !head.ReadableBy(access, AdminAuthentication.Approver(context)))
            {
                return (null, null);
            }

            if (head.Events > SessionRecordHead.MaxEvents)
            {
                return (null, head.TooLong(id));
            }

            var timeline = SessionTimelineProjection.Of(id, await audit.ReadStreamAsync(id, context.RequestAborted).ConfigureAwait(false));
            return (timeline is not null && access.MayRead(AdminAuthentication.Approver(context), timeline.Identity) ? timeline : null, null);
        }

        static IResult NotInRecord(string id) =>
            AdminResults.Error(StatusCodes.Status404NotFound, $"no session '{(id.Length <= 64 ? id : id[..64] + "…")}' in the record");

        api.MapGet("/sessions", async (HttpContext context) =>
        {
            var who = AdminAuthentication.Approver(context);
            var directory = grains.GetGrain<ISessionDirectoryGrain>(0);
            var sessions = directory.ListAsync();
            var pending = grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync();
            IReadOnlyList<ApprovalRequest> held;
            try
            {
                held = await pending.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The listing of sessions does not depend on the approvals being available.
            catch (Exception)
#pragma warning restore CA1031
            {
                held = [];
            }

            var heldBySession = held.GroupBy(r => r.SessionId).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
            return Results.Ok((await sessions.ConfigureAwait(false)).Where(s => access.MaySee(who, s)).Select(s => new SessionDocument(s.Id, s.Identity, s.Target,
                s.ClientAddress, s.StartedAt, s.ApplicationName, s.Proxy, heldBySession.GetValueOrDefault(s.Id))).ToList());
        });

        api.MapDelete("/sessions/{id}", async (string id, HttpContext context) =>
        {
            var who = AdminAuthentication.Approver(context);
            var directory = grains.GetGrain<ISessionDirectoryGrain>(0);
            var visible = access.IsAdmin(who)
                          || (await directory.ListAsync().ConfigureAwait(false)).Any(s => s.Id == id && access.MaySee(who, s));
            return visible && await directory.TerminateAsync(id, who.Identity).ConfigureAwait(false)
                ? Results.Ok(new { id, terminated = true })
                : AdminResults.Error(StatusCodes.Status404NotFound, $"no live session '{id}'");
        });
    }
}

/// <summary>A session as <c>sessions play</c> renders it: each statement's transcript lines and its offset from the start.</summary>
public sealed record TranscriptDocument(string Id, string Identity, string Target, DateTimeOffset Start, DateTimeOffset? End, string? EndReason,
    IReadOnlyList<TranscriptStatement> Statements);

/// <summary>One statement of a <see cref="TranscriptDocument"/>.</summary>
public sealed record TranscriptStatement(long Sequence, double OffsetMs, IReadOnlyList<string> Lines);

/// <summary>A live session as the admin API shows it.</summary>
public sealed record SessionDocument(string Id, string Identity, string Target, string? ClientAddress, DateTimeOffset StartedAt,
    string? ApplicationName, string Proxy, string? HeldApproval);
