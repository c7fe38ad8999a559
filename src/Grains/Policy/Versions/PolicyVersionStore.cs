using Npgsql;

namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// The numbered policy versions of one gateway (its <c>Cluster:ServiceId</c>), in PostgreSQL:
/// table <c>og_policy.versions</c> in the cluster database (Cluster mode) or in the audit database
/// (AllInOne mode, which has no other). Rows are only ever added. A new version is written under a
/// transaction-scoped advisory lock per gateway, so "the newest version" a writer compares an
/// edit's base with cannot change before its insert commits, and the commit sends
/// <see cref="Channel"/> a notification (PostgreSQL delivers it only if the insert committed).
/// </summary>
public sealed class PolicyVersionStore(string connectionString, string serviceId)
{
    /// <summary>The LISTEN/NOTIFY channel; the payload is the gateway's service id.</summary>
    public const string Channel = "og_policy_versions";

    public const string Table = "og_policy.versions";

    public string ConnectionString => connectionString;

    public string ServiceId => serviceId;

    /// <summary>Creates the schema and table when missing (every silo at start-up; idempotent, serialised by a lock).</summary>
    public async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT pg_advisory_xact_lock(hashtext('og_policy.schema'));
            CREATE SCHEMA IF NOT EXISTS og_policy;
            CREATE TABLE IF NOT EXISTS {Table} (
                service_id   text        NOT NULL,
                version      integer     NOT NULL CHECK (version > 0),
                document     text        NOT NULL,
                author       text        NOT NULL,
                recorded_at  timestamptz NOT NULL DEFAULT now(),
                reason       text        NOT NULL,
                based_on     integer,
                restored_from integer,
                PRIMARY KEY (service_id, version));
            -- The version's PolicyVersionSeal (hex). Added after the table first shipped: rows written
            -- before it have none and are never put in force (docs/policies.md#versions).
            ALTER TABLE {Table} ADD COLUMN IF NOT EXISTS seal text;
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest version, or null when none is stored yet.</summary>
    public async Task<PolicyVersion?> NewestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadAsync(connection, null, "ORDER BY version DESC LIMIT 1", null, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>The newest version <paramref name="author"/> recorded, or null.</summary>
    public async Task<PolicyVersion?> NewestByAsync(string author, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadAsync(connection, null, "AND author = @author ORDER BY version DESC LIMIT 1", null, cancellationToken, author)
            .ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>One version, or null.</summary>
    public async Task<PolicyVersion?> GetAsync(int number, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadAsync(connection, null, "AND version = @number", number, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>Every version, newest first.</summary>
    public async Task<IReadOnlyList<PolicyVersion>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, null, "ORDER BY version DESC", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the next version under the gateway's lock. <paramref name="decide"/> sees the newest
    /// version (null: none yet) and returns the version to insert, or null to insert nothing;
    /// <paramref name="beforeCommit"/> runs after the insert and before the commit (the audit
    /// record: when it throws, nothing is committed). Returns what was inserted, or null.
    /// </summary>
    public async Task<PolicyVersion?> AppendAsync(Func<PolicyVersion?, PolicyVersion?> decide, Func<PolicyVersion, Task> beforeCommit,
        CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('og_policy.versions:' || @service))", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("service", serviceId);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var newest = (await ReadAsync(connection, transaction, "ORDER BY version DESC LIMIT 1", null, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault();
        if (decide(newest) is not { } next)
        {
            return null;
        }

        await using (var insert = new NpgsqlCommand(
                         $"INSERT INTO {Table} (service_id, version, document, author, recorded_at, reason, based_on, restored_from, seal) " +
                         "VALUES (@service, @version, @document, @author, @at, @reason, @based_on, @restored_from, @seal); " +
                         $"SELECT pg_notify('{Channel}', @service)", connection, transaction))
        {
            insert.Parameters.AddWithValue("service", serviceId);
            insert.Parameters.AddWithValue("version", next.Number);
            insert.Parameters.AddWithValue("document", next.Document);
            insert.Parameters.AddWithValue("author", next.Author);
            insert.Parameters.AddWithValue("at", next.At);
            insert.Parameters.AddWithValue("reason", next.Reason);
            insert.Parameters.AddWithValue("based_on", (object?)next.BasedOn ?? DBNull.Value);
            insert.Parameters.AddWithValue("restored_from", (object?)next.RestoredFrom ?? DBNull.Value);
            insert.Parameters.AddWithValue("seal", (object?)next.Seal ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await beforeCommit(next).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return next;
    }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    // The document is kept as text, not jsonb: byte for byte what was validated, so the SHA-256 the
    // audit event holds can be recomputed from the row (SQL can still read it with document::jsonb).
    private async Task<List<PolicyVersion>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tail, int? number,
        CancellationToken cancellationToken, string? author = null)
    {
        await using var command = new NpgsqlCommand(
            "SELECT version, document, author, recorded_at, reason, based_on, restored_from, seal " +
            $"FROM {Table} WHERE service_id = @service {tail}", connection, transaction);
        command.Parameters.AddWithValue("service", serviceId);
        if (number is { } n)
        {
            command.Parameters.AddWithValue("number", n);
        }

        if (author is not null)
        {
            command.Parameters.AddWithValue("author", author);
        }

        var versions = new List<PolicyVersion>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new PolicyVersion(reader.GetInt32(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt32(6))
            {
                Seal = reader.IsDBNull(7) ? null : reader.GetString(7),
            });
        }

        return versions;
    }
}
