using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Verification;

namespace OrleansGate.Silo.Admin.Audit;

/// <summary>
/// <c>GET /sessions/{id}/verification</c>: the session's hash chain recomputed from the rows as
/// stored, with the replay tool's own <see cref="ChainVerifier"/> (docs/audit-integrity.md):
/// intact (sealed, open, ended by failure) or broken, with the kind and the first broken link.
/// Same access as the timeline: administrators and auditors any session, others their own; a
/// session the caller may not read is 404, as one that does not exist, decided from the stream's
/// head before the stream is read (<see cref="SessionRecordHead"/>), which is read only up to
/// <see cref="SessionRecordHead.MaxEvents"/> events.
/// </summary>
public static class SessionVerificationEndpoints
{
    /// <summary>The verdict as the console shows it; <see cref="Intact"/> false when a link is broken.</summary>
    public sealed record Verification(string Session, bool Intact, string Status, long Events, long LastPosition, bool Sealed,
        string? Kind, long? Position, string? Detail, DateTimeOffset VerifiedAt);

    public static void Map(RouteGroupBuilder api, AuditReadModel audit, AdminAccess access, ChainKey key, TimeProvider clock)
    {
        var verifier = new ChainVerifier(key);
        api.MapGet("/sessions/{id}/verification", (string id, HttpContext context) => audit.ReadAsync(async () =>
        {
            var who = AdminAuthentication.Approver(context);
            var notFound = AdminResults.Error(StatusCodes.Status404NotFound, $"no session '{(id.Length <= 64 ? id : id[..64] + "…")}' in the record");
            // Access first, from the stream's head (one indexed row): the stream is read only for a caller who may read it.
            if (!SessionRecordHead.IsSessionId(id)
                || await SessionRecordHead.ReadAsync(audit, id, context.RequestAborted).ConfigureAwait(false) is not { } head
                || !head.ReadableBy(access, who))
            {
                return notFound;
            }

            if (head.Events > SessionRecordHead.MaxEvents)
            {
                return head.TooLong(id);
            }

            StoredStream? stream = null;
            await foreach (var s in audit.Streams.StreamsAsync(id, context.RequestAborted).ConfigureAwait(false))
            {
                stream = s;
            }

            if (stream is null || !(access.ReadsEverything(who) || IdentityOf(stream) == who.Identity))
            {
                return notFound;
            }

            var now = clock.GetUtcNow();
            var verdict = verifier.Verify(stream, new VerifyRules(VerifyRules.DefaultStaleAfter, RequireSeal: false, now));
            return Results.Ok(new Verification(verdict.SessionId, !verdict.Failed, verdict.Status, verdict.Events, verdict.LastPosition,
                verdict.Sealed, verdict.Kind, verdict.Position, verdict.Detail, now));
        }));
    }

    /// <summary>
    /// Whose session it is, for the access check of someone who reads only their own: the identity
    /// its SessionStarted row names. A row that is not JSON or names no identity grants nothing.
    /// </summary>
    private static string? IdentityOf(StoredStream stream)
    {
        foreach (var row in stream.Events.Where(r => r.Type == "session_started").Take(1))
        {
            try
            {
                using var json = JsonDocument.Parse(row.Data);
                return json.RootElement.TryGetProperty("Identity", out var identity) && identity.ValueKind == JsonValueKind.String
                    ? identity.GetString()
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return null;
    }
}
