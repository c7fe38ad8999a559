using Npgsql;
using NpgsqlTypes;

namespace OrleansGate.Grains.Catalog;

/// <summary>The configured columns: found by name or remembered, plus the same column in every partition and inheritance child.</summary>
internal sealed partial class UpstreamCatalogReader
{
    private const string FindByNameSql = """
        SELECT c.oid, a.attnum
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
        """;

    // Seeds that still exist (a dropped column or relation falls out in the join), then every
    // descendant through pg_inherits: partitions and inheritance children hold the column under
    // the same name (PostgreSQL renames it with the parent), though not always at the same attnum.
    private const string SeedsAndDescendantsSql = """
        WITH RECURSIVE seed AS (
            SELECT s.rule, s.relid, a.attname
            FROM unnest($1::int4[], $2::oid[], $3::int2[]) AS s(rule, relid, attnum)
            JOIN pg_catalog.pg_class c ON c.oid = s.relid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            JOIN pg_catalog.pg_attribute a ON a.attrelid = s.relid AND a.attnum = s.attnum AND NOT a.attisdropped
        ), tree AS (
            SELECT rule, relid, attname FROM seed
            UNION
            SELECT t.rule, i.inhrelid, t.attname FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.relid
        )
        SELECT t.rule, a.attrelid, a.attnum, n.nspname::text, c.relname::text, a.attname::text
        FROM tree t
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.relid AND a.attname = t.attname AND NOT a.attisdropped
        JOIN pg_catalog.pg_class c ON c.oid = t.relid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        ORDER BY t.rule, a.attrelid, a.attnum
        """;

    private async Task AddConfiguredColumnsAsync(IReadOnlyList<MaskRule> rules,
        IReadOnlyDictionary<int, IReadOnlyCollection<ColumnIdentity>> remembered, Dictionary<ColumnIdentity, MaskedOrigin> origins,
        CancellationToken cancellationToken)
    {
        var seeds = new List<(int Rule, ColumnIdentity Column)>();
        for (var rule = 0; rule < rules.Count; rule++)
        {
            if (remembered.TryGetValue(rule, out var earlier))
            {
                seeds.AddRange(earlier.Select(c => (rule, c)));
            }

            // Column "*" (detectors on every text column) parses to nothing: it has no origins.
            if (ConfiguredColumn.Parse(rules[rule].Column) is { } configured)
            {
                foreach (var column in await FindByNameAsync(configured, cancellationToken).ConfigureAwait(false))
                {
                    seeds.Add((rule, column));
                }
            }
        }

        if (seeds.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(SeedsAndDescendantsSql, _connection);
        command.Parameters.Add(new NpgsqlParameter { Value = seeds.Select(s => s.Rule).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = seeds.Select(s => s.Column.TableOid).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
        command.Parameters.Add(new NpgsqlParameter { Value = seeds.Select(s => s.Column.AttributeNumber).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var column = new ColumnIdentity(reader.GetFieldValue<uint>(1), reader.GetInt16(2));
            // Ordered by rule: a column two masks name is masked by the first in the configuration.
            origins.TryAdd(column, new MaskedOrigin(column.TableOid, column.AttributeNumber, reader.GetInt32(0),
                $"{reader.GetString(3)}.{reader.GetString(4)}.{reader.GetString(5)}", Derived: false));
        }
    }

    private async Task<List<ColumnIdentity>> FindByNameAsync(ConfiguredColumn configured, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(FindByNameSql, _connection);
        command.Parameters.Add(new NpgsqlParameter { Value = configured.Schema });
        command.Parameters.Add(new NpgsqlParameter { Value = configured.Table });
        command.Parameters.Add(new NpgsqlParameter { Value = configured.Column });
        var found = new List<ColumnIdentity>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(new ColumnIdentity(reader.GetFieldValue<uint>(0), reader.GetInt16(1)));
        }

        return found;
    }
}
