using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace OrleansGate.Grains.Catalog;

/// <summary>
/// Views and materialized views computed from masked columns. pg_depend says which views read a
/// masked column (their SELECT rule depends on it); describing the view's definition, without
/// running it, says where each output column comes from — PostgreSQL's own origin tracking, the
/// same that fills RowDescription. Repeated until nothing new is found, so views over views are
/// covered at any depth.
/// </summary>
internal sealed partial class UpstreamCatalogReader
{
    // Views cannot form cycles, so the rounds are bounded by the depth of view nesting; this only
    // stops a catalog that changes under the read from keeping it busy. Failing is failing closed.
    private const int MaxViewRounds = 100;

    // ev_type '1' is the SELECT rule ("_RETURN"): it is what the view returns. Other rules
    // (ON INSERT DO INSTEAD …) read columns too but return nothing to a SELECT.
    // A whole-row reference (SELECT t FROM t, row_to_json(t)) is recorded against the table, not
    // its columns (and that entry is dropped when the view also names a column of it); the second
    // half counts a view whose rule holds a whole-row Var (varattno 0 in the stored parse tree) and
    // reads a table with masked columns in any way as reading every masked column of it. That may
    // also catch a whole-row reference to another table of the view: it errs towards masking.
    private const string DependentViewsSql = """
        SELECT DISTINCT r.ev_class, d.refobjid, d.refobjsubid::int2
        FROM unnest($1::oid[], $2::int2[]) AS s(relid, attnum)
        JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
             AND d.refobjid = s.relid AND d.refobjsubid = s.attnum
             AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid AND r.ev_type = '1'
        JOIN pg_catalog.pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
        WHERE r.ev_class <> d.refobjid
        UNION
        SELECT r.ev_class, s.relid, s.attnum
        FROM unnest($1::oid[], $2::int2[]) AS s(relid, attnum)
        JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
             AND d.refobjid = s.relid
             AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid AND r.ev_type = '1'
             AND r.ev_action::text LIKE '%:varattno 0 %'
        JOIN pg_catalog.pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
        WHERE r.ev_class <> d.refobjid
        """;

    // Views whose SELECT calls a function a user wrote (not the server's, not an extension's): its
    // body may read masked columns, which pg_depend does not show, so their computed columns are
    // masked like those of views over masked columns.
    private const string UserCodeViewsSql = """
        SELECT DISTINCT r.ev_class
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid AND r.ev_type = '1'
        JOIN pg_catalog.pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
        JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                          WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND e.objid = p.oid AND e.deptype = 'e')
        """;

    /// <param name="userCode">Views calling user functions count too (when the policy masks table data of its own).</param>
    private async Task AddViewColumnsAsync(Dictionary<ColumnIdentity, MaskedOrigin> origins, bool userCode, CancellationToken cancellationToken)
    {
        var userCodeViews = userCode ? await UserCodeViewsAsync(cancellationToken).ConfigureAwait(false) : [];

        // Per view: the origin of each output column (null: an expression), or null when the
        // definition could not be described.
        var described = new Dictionary<uint, ColumnIdentity?[]?>();
        for (var round = 0; round < MaxViewRounds; round++)
        {
            var changed = false;
            var views = (await DependentViewsAsync(origins.Keys, cancellationToken).ConfigureAwait(false)).Keys.Union(userCodeViews).ToArray();
            foreach (var view in views)
            {
                if (!described.TryGetValue(view, out var outputs))
                {
                    outputs = await DescribeViewAsync(view, cancellationToken).ConfigureAwait(false);
                    described[view] = outputs;
                }

                var relation = await RelationAsync(view, cancellationToken).ConfigureAwait(false);
                if (relation is null)
                {
                    continue; // dropped during the read
                }

                changed |= MaskViewColumns(relation, outputs, origins);
            }

            if (!changed)
            {
                return;
            }
        }

        throw new InvalidOperationException($"the views over masked columns did not settle after {MaxViewRounds} rounds");
    }

    /// <summary>Masks the view columns that come from masked columns; true when something was added or changed.</summary>
    private static bool MaskViewColumns(MaskedRelation view, ColumnIdentity?[]? outputs, Dictionary<ColumnIdentity, MaskedOrigin> origins)
    {
        // An expression (or any column when the definition could not be described) may carry any
        // of the masked values the view reads, computed on: it is redacted whole. A partial rule
        // (Email, Partial) applies only to a masked column itself, unchanged: kept on an
        // expression it would give back what the expression chose to put where the rule keeps.
        const int expressionRule = MaskedOrigin.DerivedRule;
        var exact = outputs is not null && outputs.Length == view.Columns.Count;

        var changed = false;
        for (var i = 0; i < view.Columns.Count; i++)
        {
            int? rule = !exact ? expressionRule
                : outputs![i] is not { } source ? expressionRule
                : origins.TryGetValue(source, out var masked) ? masked.Rule
                : null;
            if (rule is not { } found)
            {
                continue;
            }

            var column = new ColumnIdentity(view.Oid, view.AttributeNumbers[i]);
            if (origins.TryGetValue(column, out var existing) && (!existing.Derived || existing.Rule == found))
            {
                continue; // configured directly, or already known
            }

            origins[column] = new MaskedOrigin(column.TableOid, column.AttributeNumber, found,
                $"{view.Schema}.{view.Name}.{view.Columns[i]}", Derived: true);
            changed = true;
        }

        return changed;
    }

    private async Task<List<uint>> UserCodeViewsAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(UserCodeViewsSql, _connection);
        var views = new List<uint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            views.Add(reader.GetFieldValue<uint>(0));
        }

        return views;
    }

    private async Task<Dictionary<uint, HashSet<ColumnIdentity>>> DependentViewsAsync(IEnumerable<ColumnIdentity> masked,
        CancellationToken cancellationToken)
    {
        var columns = masked.ToArray();
        await using var command = new NpgsqlCommand(DependentViewsSql, _connection);
        command.Parameters.Add(new NpgsqlParameter { Value = columns.Select(c => c.TableOid).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
        command.Parameters.Add(new NpgsqlParameter { Value = columns.Select(c => c.AttributeNumber).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        var views = new Dictionary<uint, HashSet<ColumnIdentity>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var view = reader.GetFieldValue<uint>(0);
            if (!views.TryGetValue(view, out var inputs))
            {
                views[view] = inputs = [];
            }

            inputs.Add(new ColumnIdentity(reader.GetFieldValue<uint>(1), reader.GetInt16(2)));
        }

        return views;
    }

    /// <summary>The origin of each output column of the view's definition, or null when it could not be described.</summary>
    private async Task<ColumnIdentity?[]?> DescribeViewAsync(uint view, CancellationToken cancellationToken)
    {
        string? definition;
        await using (var command = new NpgsqlCommand("SELECT pg_catalog.pg_get_viewdef($1)", _connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = view, NpgsqlDbType = NpgsqlDbType.Oid });
            definition = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        if (string.IsNullOrWhiteSpace(definition))
        {
            return null;
        }

        try
        {
            // SchemaOnly: Parse and Describe, no Execute — PostgreSQL plans nothing and reads no row.
            await using var describe = new NpgsqlCommand(definition.TrimEnd().TrimEnd(';'), _connection);
            await using var reader = await describe.ExecuteReaderAsync(CommandBehavior.SchemaOnly, cancellationToken).ConfigureAwait(false);
            var columns = await reader.GetColumnSchemaAsync(cancellationToken).ConfigureAwait(false);
            // Attribute number 0 with a table is a whole row of that table: computed, like an expression.
            return columns.Cast<Npgsql.Schema.NpgsqlDbColumn>()
                .Select(c => c.TableOID == 0 || c.ColumnAttributeNumber is null or 0
                    ? (ColumnIdentity?)null
                    : new ColumnIdentity(c.TableOID, c.ColumnAttributeNumber.Value))
                .ToArray();
        }
#pragma warning disable CA1031 // Whatever stops the describe, the view's columns are all masked (fail closed) and the read goes on.
        catch (Exception e) when (e is not OperationCanceledException && _connection.State == ConnectionState.Open)
#pragma warning restore CA1031
        {
            return null;
        }
    }
}
