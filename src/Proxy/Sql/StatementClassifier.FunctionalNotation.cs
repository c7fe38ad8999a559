using System.Text.Json;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Functional notation: PostgreSQL reads a field selection as a call when the value has no field
/// of that name (<c>ParseFuncOrColumn</c>): <c>(0::oid).lo_create</c> is <c>lo_create(0::oid)</c>,
/// <c>s.pg_terminate_backend</c> is <c>pg_terminate_backend(s)</c> for a row or scalar s. Which one
/// it is only the server's types tell, so every such name is taken as a possible call: a name no
/// function has costs nothing; a field named like a function may be refused with it.
/// </summary>
internal sealed partial class StatementClassifier
{
    // Names selected from a value, each possibly a call of a function of that name with it.
    private readonly SortedSet<string> _possibleCalls = new(StringComparer.Ordinal);

    /// <summary>
    /// (x).f, (x).a.b, ((x).f).g: each field name may call a function of that name on what is
    /// left of it (x.pg_catalog.f too: the server tries pg_catalog as a field, or a call, of x,
    /// then f of that). These go into <see cref="Grains.Statements.StatementInfo.Functions"/> as
    /// well: they are rare enough in everyday SQL for the record to name them as calls.
    /// </summary>
    private void RecordIndirection(JsonElement indirection)
    {
        foreach (var step in Items(indirection, "indirection"))
        {
            if (NodeOf(step) is ("String", var field) && String(field, "sval") is { Length: > 0 } name)
            {
                _possibleCalls.Add(name);
                _functions.Add(name);
            }
        }
    }

    /// <summary>
    /// t.f, s.t.f, t.c.f: every name after the first may be a column or field, or a call of the
    /// row or value before it (<c>transformColumnRef</c> tries the call when the column is not
    /// there). Kept apart from the record's functions: qualified columns are everyday SQL.
    /// </summary>
    private void RecordQualifiedColumn(IReadOnlyList<string> names)
    {
        for (var i = 1; i < names.Count; i++)
        {
            if (names[i] is { Length: > 0 } and not "*")
            {
                _possibleCalls.Add(names[i]);
            }
        }
    }

    /// <summary>The possible calls that are not also plain calls (those are judged as calls, by proof).</summary>
    private string[] FunctionalNotationOnly() =>
        _possibleCalls.Where(name => !_calls.Contains(name)).ToArray();
}
