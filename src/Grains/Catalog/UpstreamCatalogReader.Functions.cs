using Npgsql;

namespace OrleansGate.Grains.Catalog;

/// <summary>
/// Every function of the target, with whether any overload is volatile, and the operators defined
/// outside pg_catalog. Masking needs to tell the server's own functions (which compute only from
/// their arguments) from user code; a read-only policy needs to know which functions may change
/// something.
/// </summary>
internal sealed partial class UpstreamCatalogReader
{
    // About 2,700 names on a fresh PostgreSQL 15, a few thousand rows read once per refresh. A name
    // counts as an extension's when every overload of it in that schema was installed by one.
    private const string FunctionsSql = """
        SELECT n.nspname::text, p.proname::text, bool_or(p.provolatile = 'v' OR p.prokind = 'p'),
               bool_and(EXISTS (SELECT FROM pg_catalog.pg_depend d
                                WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'))
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        GROUP BY 1, 2
        ORDER BY 1, 2
        """;

    // Operators written by users (not the server's, not an installed extension's).
    private const string UserOperatorsSql = """
        SELECT DISTINCT o.oprname::text
        FROM pg_catalog.pg_operator o
        JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND d.objid = o.oid AND d.deptype = 'e')
        ORDER BY 1
        """;

    /// <summary>Schemas whose functions are the server's own: they compute only from their arguments.</summary>
    public static bool IsServerSchema(string schema) => schema is "pg_catalog" or "information_schema";

    private async Task<IReadOnlyList<CatalogFunction>> FunctionsAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(FunctionsSql, _connection);
        var functions = new List<CatalogFunction>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            functions.Add(new CatalogFunction(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)) { Extension = reader.GetBoolean(3) });
        }

        return functions;
    }

    private async Task<IReadOnlyList<string>> UserOperatorsAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(UserOperatorsSql, _connection);
        var operators = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            operators.Add(reader.GetString(0));
        }

        return operators;
    }
}
