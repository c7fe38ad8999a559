using Npgsql;

namespace OrleansGate.Demo.Provisioning;

/// <summary>Where a provisioned PostgreSQL came from.</summary>
public enum PostgresSource
{
    /// <summary>An explicit connection string (ORLEANSGATE_TEST_PG or the caller's).</summary>
    ConnectionString,
    /// <summary>A throwaway Docker container started through Testcontainers.</summary>
    Container,
    /// <summary>A throwaway cluster from the local PostgreSQL binaries.</summary>
    LocalCluster,
}

/// <summary>
/// A running PostgreSQL server the caller may administer: a superuser connection string,
/// and the means to stop it (and delete it) when it was started for the caller.
/// </summary>
public abstract class ProvisionedPostgres : IAsyncDisposable
{
    protected ProvisionedPostgres(PostgresSource source, string adminConnectionString)
    {
        Source = source;
        AdminConnectionString = adminConnectionString;
        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString);
        Host = builder.Host ?? "127.0.0.1";
        Port = builder.Port;
    }

    public PostgresSource Source { get; }

    /// <summary>A superuser connection string (to the maintenance database).</summary>
    public string AdminConnectionString { get; }

    public string Host { get; }

    public int Port { get; }

    /// <summary>A connection string for <paramref name="database"/>, as the superuser or as another role.</summary>
    public string ConnectionString(string database, string? user = null, string? password = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = false };
        if (user is not null)
        {
            builder.Username = user;
            builder.Password = password;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Prepends lines to pg_hba.conf and reloads, so tests can make roles log in with md5 or
    /// cleartext passwords. A local cluster writes its own file; on other servers this goes
    /// through the superuser's server-side file access.
    /// </summary>
    public virtual async Task AddHbaRulesAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var read = new NpgsqlCommand("SELECT current_setting('hba_file'), pg_read_file(current_setting('hba_file'))", connection);
        string path, current;
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            path = reader.GetString(0);
            current = reader.GetString(1);
        }

        var missing = lines.Where(l => !current.Contains(l, StringComparison.Ordinal)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        await WriteServerFileAsync(connection, path, missing.Concat(current.Split('\n')).Where(l => l.Length > 0), cancellationToken)
            .ConfigureAwait(false);
        await ReloadAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a text file on the server's machine, as the server's OS user, through a superuser
    /// connection: works the same for a local cluster, a container or a given server. COPY
    /// creates files with mode 0644, so this is not for private keys.
    /// </summary>
    public static async Task WriteServerFileAsync(NpgsqlConnection superuser, string path, IEnumerable<string> lines,
        CancellationToken cancellationToken = default)
    {
        // COPY writes one row a line. CSV with delimiter and quote characters that never occur in
        // pg_hba.conf or PEM writes each line exactly as it is (text format would escape tabs).
        // COPY is a utility statement and takes no bind parameters ("there is no parameter $1"),
        // so the lines go in as literals.
        var rows = string.Join(", ", lines.Select(Literal));
        await using var write = new NpgsqlCommand(
            $"COPY (SELECT unnest(ARRAY[{rows}]::text[])) TO {Literal(path)} WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')",
            superuser);
        await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected static async Task ReloadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public abstract ValueTask DisposeAsync();
}

/// <summary>A server given by connection string: used as it is, never stopped.</summary>
public sealed class ExternalPostgres(string connectionString) : ProvisionedPostgres(PostgresSource.ConnectionString, connectionString)
{
    public override ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
