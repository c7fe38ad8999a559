namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// Which recorded sessions to list: the one filter the replay tool's <c>sessions list</c> and the
/// admin API's history both apply to the <see cref="SessionSummary"/> projection, so the two
/// answer alike. Null criteria do not filter.
/// </summary>
/// <param name="Decision">Sessions with at least one statement so decided: allowed, masked, held or blocked.</param>
/// <param name="FlaggedOnly">Only sessions with a statement held or blocked.</param>
public sealed record SessionSummaryFilter(string? Identity, string? Target, DateTimeOffset? From, DateTimeOffset? To, string? Decision,
    bool FlaggedOnly = false)
{
    public static readonly IReadOnlyList<string> Decisions = ["allowed", "masked", "held", "blocked"];

    public IQueryable<SessionSummary> Apply(IQueryable<SessionSummary> query)
    {
        if (Identity is { } identity)
        {
            query = query.Where(s => s.Identity == identity);
        }

        if (Target is { } target)
        {
            query = query.Where(s => s.Target == target);
        }

        if (From is { } from)
        {
            query = query.Where(s => s.Start >= from);
        }

        if (To is { } to)
        {
            query = query.Where(s => s.Start < to);
        }

        query = Decision switch
        {
            "allowed" => query.Where(s => s.Allowed > 0),
            "masked" => query.Where(s => s.Masked > 0),
            "held" => query.Where(s => s.Held > 0),
            "blocked" => query.Where(s => s.Blocked > 0),
            _ => query,
        };
        return FlaggedOnly ? query.Where(s => s.Held > 0 || s.Blocked > 0) : query;
    }
}
