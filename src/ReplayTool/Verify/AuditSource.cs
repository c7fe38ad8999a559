using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Configuration;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Verify;

/// <summary>
/// The audit database and the chain key, from <c>--config FILE</c> (<c>OrleansGate:AuditStore:ConnectionString</c>,
/// <c>:Schema</c>, <c>OrleansGate:Secrets:AuditKey</c>) or the environment variables of the same keys
/// (<c>OrleansGate__Secrets__AuditKey</c>, …), which win. Reads Marten's tables directly, the way an
/// auditor with SQL would, so nothing Marten does on read can hide a change.
/// </summary>
public sealed partial class AuditSource(string connectionString, string schema, ChainKey key)
{
    public ChainKey Key { get; } = key;

    public static AuditSource From(FileInfo? config)
    {
        var settings = ToolConfiguration.Load(config);
        var store = settings.AuditStore();
        var (connection, schema) = (store.ConnectionString, store.Schema);
        var auditKey = settings["Secrets:AuditKey"];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new CommandFailedException("no audit store: give --config FILE with OrleansGate:AuditStore:ConnectionString", ExitCodes.Usage);
        }

        if (string.IsNullOrWhiteSpace(auditKey))
        {
            throw new CommandFailedException("no audit key: the configuration has no OrleansGate:Secrets:AuditKey", ExitCodes.Usage);
        }

        var keyBytes = SecretsOptions.Decode(auditKey)
            ?? throw new CommandFailedException($"OrleansGate:Secrets:AuditKey: must be base64 of {SecretsOptions.KeyBytes} bytes", ExitCodes.Usage);
        if (!Identifier().IsMatch(schema))
        {
            throw new CommandFailedException($"OrleansGate:AuditStore:Schema: '{schema}' is not a plain schema name", ExitCodes.Usage);
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connection);
        }
        catch (ArgumentException e)
        {
            throw new CommandFailedException($"OrleansGate:AuditStore:ConnectionString: not a valid connection string ({e.Message})", ExitCodes.Usage);
        }

        return new AuditSource(connection, schema, new ChainKey(keyBytes));
    }

    /// <summary>
    /// The same store through Marten, for what the other commands read (the projections). As the
    /// tool's other commands open it: as the process that builds the projections, which is also
    /// what keeps Marten from printing its "async daemon is disabled" warning into <c>--json</c> output.
    /// </summary>
    public Marten.DocumentStore OpenStore() =>
        Grains.Audit.AuditStore.Create(new Grains.Audit.AuditStoreOptions { ConnectionString = connectionString, Schema = schema }, runsProjections: true);

    /// <summary>Every session stream (or the one named), one at a time, rows in stream version order.</summary>
    public async IAsyncEnumerable<StoredStream> StreamsAsync(string? sessionId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var streamVersions = new Dictionary<string, long>(StringComparer.Ordinal);
        var archivedStreams = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
                         $"SELECT id, version, coalesce(is_archived, false) FROM {schema}.mt_streams WHERE (@id::text IS NULL OR id = @id)", connection))
        {
            command.Parameters.AddWithValue("id", (object?)sessionId ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                streamVersions[reader.GetString(0)] = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
                if (reader.GetBoolean(2))
                {
                    archivedStreams.Add(reader.GetString(0));
                }
            }
        }

        StoredStream Stream(string id, IReadOnlyList<StoredEvent> rows) =>
            new(id, rows, streamVersions.TryGetValue(id, out var v) ? v : null, archivedStreams.Contains(id));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
                         $"SELECT stream_id, version, seq_id, type, data::text, mt_dotnet_type, coalesce(is_archived, false) FROM {schema}.mt_events " +
                         "WHERE (@id::text IS NULL OR stream_id = @id) ORDER BY stream_id, version, seq_id", connection))
        {
            command.Parameters.AddWithValue("id", (object?)sessionId ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            string? current = null;
            var rows = new List<StoredEvent>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var stream = reader.GetString(0);
                if (current is not null && stream != current)
                {
                    seen.Add(current);
                    yield return Stream(current, rows);
                    rows = [];
                }

                current = stream;
                rows.Add(new StoredEvent(reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6)));
            }

            if (current is not null)
            {
                seen.Add(current);
                yield return Stream(current, rows);
            }
        }

        // Streams whose every event was deleted still have their mt_streams row.
        foreach (var id in streamVersions.Keys.Where(id => !seen.Contains(id)).Order(StringComparer.Ordinal))
        {
            yield return Stream(id, []);
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var check = new NpgsqlCommand("SELECT to_regclass(@events) IS NOT NULL", connection);
            check.Parameters.AddWithValue("events", $"{schema}.mt_events");
            if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                throw new CommandFailedException($"the audit database has no {schema}.mt_events table: not an OrleansGate audit store?");
            }

            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new CommandFailedException($"cannot reach the audit store: {e.Message}");
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex Identifier();
}
