using Npgsql;
using NpgsqlTypes;

namespace OrleansGate.Grains.Catalog;

/// <summary>Relations with their live columns (for COPY of a whole relation and name resolution) and the text types.</summary>
internal sealed partial class UpstreamCatalogReader
{
    private const string RelationsSql = """
        SELECT c.oid, n.nspname::text, c.relname::text, c.relkind,
               ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
               ARRAY(SELECT a.attnum FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = ANY($1::oid[])
        """;

    // citext comes from an extension, so its OID differs per database; domains keep their own OID
    // in RowDescription. Domains over domains are followed to their base.
    private const string TextTypesSql = """
        WITH RECURSIVE text_types(oid) AS (
            SELECT t.oid FROM pg_catalog.pg_type t
            WHERE t.oid IN (25, 1043, 1042, 19) OR (t.typname = 'citext' AND t.typtype = 'b')
            UNION
            SELECT d.oid FROM pg_catalog.pg_type d
            JOIN text_types b ON d.typbasetype = b.oid
            WHERE d.typtype = 'd'
        )
        SELECT oid FROM text_types WHERE oid NOT IN (25, 1043, 1042, 19) ORDER BY 1
        """;

    private async Task<IReadOnlyList<uint>> TextTypesAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(TextTypesSql, _connection);
        var oids = new List<uint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            oids.Add(reader.GetFieldValue<uint>(0));
        }

        return oids;
    }

    private async Task<MaskedRelation?> RelationAsync(uint oid, CancellationToken cancellationToken) =>
        _relations.TryGetValue(oid, out var known) ? known : (await RelationsAsync([oid], cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>The relations among <paramref name="oids"/> that exist, read once per reader.</summary>
    private async Task<List<MaskedRelation>> RelationsAsync(IEnumerable<uint> oids, CancellationToken cancellationToken)
    {
        var wanted = oids.ToArray();
        var missing = wanted.Where(o => !_relations.ContainsKey(o)).ToArray();
        if (missing.Length > 0)
        {
            await using var command = new NpgsqlCommand(RelationsSql, _connection);
            command.Parameters.Add(new NpgsqlParameter { Value = missing, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var relation = new MaskedRelation(reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2), reader.GetChar(3),
                    reader.GetFieldValue<string[]>(4), reader.GetFieldValue<short[]>(5));
                _relations[relation.Oid] = relation;
            }
        }

        return wanted.Where(_relations.ContainsKey).Select(o => _relations[o]).ToList();
    }
}
