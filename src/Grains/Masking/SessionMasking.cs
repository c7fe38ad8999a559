using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Masking;

/// <summary>
/// The masking side of one session's decisions: the target's catalog as this session sees it
/// (without the masks its groups are exempt from), refreshed after DDL the session ran, and the
/// statements that may read what that DDL made before the catalog can see it. (EXECUTE and FETCH
/// come decided as what they run: the proxy follows the session's prepared statements and cursors.)
/// </summary>
internal sealed class SessionMasking(IGrainFactory grains, SessionSubject subject, TimeProvider clock)
{
    /// <summary>How long a session trusts its copy of the catalog before asking the catalog grain again.</summary>
    private static readonly TimeSpan CatalogReuse = TimeSpan.FromSeconds(5);

    private static readonly string[] DdlTags = ["CREATE", "ALTER", "DROP", "COMMENT", "SELECT INTO", "REFRESH"];

    private MaskingCatalog? _catalog;
    private DateTimeOffset _fetchedAt;

    // DDL that could hide masked values under names the catalog does not know went upstream, and
    // the session has not settled since (it is in a transaction block, or requests are still
    // unanswered): the catalog, read on a connection of its own, may not see it yet.
    private bool _ddlUnsettled;

    // The sequence numbers of such DDL let through and not yet completed.
    private readonly HashSet<long> _hidingDdl = [];

    /// <summary>The catalog to decide with; one carrying an Error when it cannot be had (decisions then fail closed).</summary>
    /// <param name="unsettled">The session is in a transaction block, or earlier requests are still unanswered upstream.</param>
    /// <remarks>A ValueTask: nearly every statement is decided with the catalog already held, without an await.</remarks>
    public ValueTask<MaskingCatalog> CatalogAsync(IReadOnlyList<StatementOutcome>? completed, bool unsettled)
    {
        var ddlRan = false;
        var hidingRan = false;
        for (var i = 0; i < (completed?.Count ?? 0); i++)
        {
            var outcome = completed![i];
            ddlRan |= IsDdl(outcome.CommandTag);
            // Every outcome's sequence leaves the set, so no short cut here.
            hidingRan |= _hidingDdl.Remove(outcome.Sequence) && outcome.CommandTag is not null;
        }

        // Settled: what the DDL did is visible now (or undone), so the catalog is read again.
        ddlRan |= _ddlUnsettled && !unsettled;
        _ddlUnsettled = unsettled && (_ddlUnsettled || hidingRan);
        if (_catalog is not null && !ddlRan && clock.GetUtcNow() - _fetchedAt < CatalogReuse)
        {
            return ValueTask.FromResult(_catalog);
        }

        return new ValueTask<MaskingCatalog>(FetchAsync(ddlRan));
    }

    private static bool IsDdl(string? commandTag)
    {
        if (commandTag is null)
        {
            return false;
        }

        foreach (var tag in DdlTags)
        {
            if (commandTag.StartsWith(tag, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<MaskingCatalog> FetchAsync(bool ddlRan)
    {
        var grain = grains.GetGrain<ICatalogGrain>(subject.Target);
        try
        {
            var catalog = ddlRan ? await grain.RefreshAsync().ConfigureAwait(true) : await grain.GetAsync().ConfigureAwait(true);
            _catalog = catalog.ExemptFor(subject.Groups);
            _fetchedAt = clock.GetUtcNow();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not cached: the next batch asks again.
            return new MaskingCatalog { Rules = [MaskRule.Derived], Error = "the catalog service did not answer: " + e.GetType().Name };
        }

        return _catalog;
    }

    /// <summary>
    /// Adjusts a batch's decisions for what a single statement's analysis cannot see: a statement
    /// after DDL that could hide masked values (in the same batch, or in the same open transaction)
    /// may read a relation or column the catalog does not know yet: all of its columns are masked.
    /// </summary>
    public void Apply(IReadOnlyList<StatementRequest> batch, Decision[] decisions, long firstSequence, MaskingCatalog catalog)
    {
        var afterDdl = _ddlUnsettled;
        for (var i = 0; i < batch.Count; i++)
        {
            var statement = batch[i].Statement;
            var decision = decisions[i];
            // A held statement has its plan too: it is masked like any other once approved.
            if (decision.Action != PolicyAction.Block && decision.Mask is not null && afterDdl)
            {
                decisions[i] = EveryColumnMasked(decision, "(relations created earlier in the batch, the open transaction or a request not yet answered)");
            }

            if (decision.Action != PolicyAction.Block && MayHideMaskedValues(statement, catalog))
            {
                afterDdl = true;
                _hidingDdl.Add(firstSequence + i);
            }
        }

        _ddlUnsettled = afterDdl;
    }

    /// <summary>
    /// DDL after which a masked value could be reached under a name the catalog does not know yet:
    /// it names a relation holding masked values, calls user code, or renames, moves or defines
    /// what reads later (a renamed schema moves every relation in it; rules and triggers run later).
    /// DDL of its own (CREATE TEMP TABLE t (a int), an index, a sequence) cannot.
    /// </summary>
    internal static bool MayHideMaskedValues(StatementInfo statement, MaskingCatalog catalog)
    {
        if (!statement.HasKind(StatementKind.Ddl))
        {
            return false;
        }

        if (statement.Command is "RenameStmt" or "AlterObjectSchemaStmt" or "RuleStmt" or "CreateTrigStmt" or "CreateFunctionStmt"
            or "AlterFunctionStmt" or "CreateEventTrigStmt" or "ImportForeignSchemaStmt" or "CreateForeignTableStmt")
        {
            return true;
        }

        var index = Lineage.CatalogIndex.For(catalog);
        return statement.RelationsRead.Concat(statement.RelationsWritten).Any(r => index.RelationsNamed(SchemaOf(r), SqlNames.Unqualified(r)).Count > 0)
               || statement.Functions.Any(index.IsUserFunction);
    }

    private static string? SchemaOf(string relation)
    {
        var dot = relation.LastIndexOf('.');
        return dot < 0 ? null : relation[..dot];
    }

    // Fail closed: what the statement returns cannot be told, so all of it is masked.
    private static Decision EveryColumnMasked(Decision decision, string what) => decision with
    {
        Action = decision.Action == PolicyAction.Hold ? PolicyAction.Hold : PolicyAction.Mask,
        MaskedColumns = [.. decision.MaskedColumns, new MaskedColumnUse(what, MaskReason.UnknownRelation)],
        Mask = decision.Mask! with { MaskDerived = true, MaskEveryColumn = true, ReadsMaskedValues = true },
    };
}
