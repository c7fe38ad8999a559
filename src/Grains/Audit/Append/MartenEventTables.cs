using Marten;
using Npgsql;

namespace OrleansGate.Grains.Audit.Append;

/// <summary>
/// What <see cref="MultiStreamAppend"/> relies on in Marten's event tables: the names Marten gives
/// event types, and the columns it writes. Checked against the live schema at start-up.
/// </summary>
public static class MartenEventTables
{
    /// <summary>Marten's tenant id when the store is not multi-tenanted.</summary>
    public const string DefaultTenant = "*DEFAULT*";

    private static readonly string[] EventColumns =
        ["seq_id", "id", "stream_id", "version", "data", "type", "tenant_id", "timestamp", "mt_dotnet_type", "is_archived"];

    private static readonly string[] StreamColumns = ["id", "type", "version", "timestamp", "tenant_id"];

    /// <summary>The event type name Marten stores in mt_events.type, asked of Marten itself.</summary>
    public static string TypeAlias(IDocumentStore store, Type eventType) =>
        ((Marten.Events.EventGraph)store.Options.Events).EventMappingFor(eventType).EventTypeName;

    /// <summary>
    /// The mt_dotnet_type value Marten writes: "Namespace.Type, Assembly". The audit writer leaves
    /// it NULL (about 75 bytes a row): Marten resolves an event by its type name first and needs the
    /// .NET name only for a type it does not know, which an audit event type never is.
    /// </summary>
    public static string DotNetTypeName(Type eventType) => $"{eventType.FullName}, {eventType.Assembly.GetName().Name}";

    /// <summary>Columns written as NULL: they must accept it.</summary>
    private static readonly string[] NullColumns = ["mt_dotnet_type"];

    /// <summary>
    /// Fails with one line naming what differs when the tables lack a column written here, or have a
    /// NOT NULL column without a default that is not written, or a NOT NULL column it writes as NULL
    /// (an insert would fail on every commit).
    /// </summary>
    public static async Task VerifyAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT table_name, column_name, is_nullable = 'NO', column_default IS NOT NULL FROM information_schema.columns " +
            "WHERE table_schema = $1 AND table_name IN ('mt_events', 'mt_streams')");
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        var columns = new List<(string Table, string Column, bool NotNull, bool HasDefault)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
            }
        }

        var problems = Check("mt_events", EventColumns).Concat(Check("mt_streams", StreamColumns)).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                $"{AuditStoreOptions.Section}: Marten's event tables in schema {schema} are not what the audit writer writes ({string.Join("; ", problems)})");
        }

        IEnumerable<string> Check(string table, string[] written)
        {
            var present = columns.Where(c => c.Table == table).ToList();
            foreach (var missing in written.Except(present.Select(c => c.Column)))
            {
                yield return $"{table}.{missing} is missing";
            }

            foreach (var unwritten in present.Where(c => c.NotNull && !c.HasDefault && !written.Contains(c.Column)))
            {
                yield return $"{table}.{unwritten.Column} is required but not written";
            }

            foreach (var notNull in present.Where(c => c.NotNull && NullColumns.Contains(c.Column)))
            {
                yield return $"{table}.{notNull.Column} is NOT NULL but written as NULL";
            }
        }
    }
}
