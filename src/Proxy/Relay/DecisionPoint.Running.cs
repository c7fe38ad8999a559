using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Relay;

/// <summary>EXECUTE and FETCH decided as what they run, together with what they do themselves.</summary>
internal sealed partial class DecisionPoint
{
    /// <summary>
    /// EXECUTE p or FETCH c, decided as what it runs: the kinds, relations, functions, shape and
    /// conditions of the prepared statement or cursor — and everything the statement itself does.
    /// The server evaluates EXECUTE's argument expressions before it runs p, so
    /// <c>EXECUTE p(lo_create(0)::text)</c> calls lo_create whatever p is: the arguments' calls,
    /// relations, settings and kinds (a subquery's SELECT, pg_notify's NOTIFY) are added to p's, and
    /// the whole is read-only only when both are. Its text and its parameters stay its own (masking
    /// resolves the parameters apart), and <see cref="StatementInfo.Inner"/> is what it runs, for
    /// approvers to see. Its fingerprint covers both: a window approved for <c>EXECUTE p</c> must
    /// not let through a <c>p</c> prepared later as something else.
    /// </summary>
    private static StatementInfo Running(StatementInfo statement, StatementInfo runs) => runs with
    {
        Sql = statement.Sql,
        Fingerprint = $"{statement.Fingerprint}>{runs.Fingerprint}",
        Inner = runs,
        Kinds = Union(runs.Kinds, statement.Kinds),
        ObjectName = statement.ObjectName,
        ParameterValues = statement.ParameterValues,
        RelationsRead = Union(runs.RelationsRead, statement.RelationsRead),
        RelationsWritten = Union(runs.RelationsWritten, statement.RelationsWritten),
        Functions = Union(runs.Functions, statement.Functions),
        FunctionalNotation = Union(runs.FunctionalNotation, statement.FunctionalNotation),
        Columns = Union(runs.Columns, statement.Columns),
        SettingChanges = [.. runs.SettingChanges, .. statement.SettingChanges],
        Setting = runs.Setting ?? statement.Setting,
        SettingValue = runs.Setting is null ? statement.SettingValue : runs.SettingValue,
        HasDataModifyingCte = runs.HasDataModifyingCte || statement.HasDataModifyingCte,
        CreatesTableFromQuery = runs.CreatesTableFromQuery || statement.CreatesTableFromQuery,
        ReadOnlyCommand = runs.ReadOnlyCommand && statement.ReadOnlyCommand,
    };

    // The first list's order, then what only the second has (nothing allocated when it adds nothing).
    private static IReadOnlyList<T> Union<T>(IReadOnlyList<T> first, IReadOnlyList<T> second)
    {
        if (second.Count == 0 || second.All(first.Contains))
        {
            return first;
        }

        return [.. first, .. second.Where(s => !first.Contains(s))];
    }
}
