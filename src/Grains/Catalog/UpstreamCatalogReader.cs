using System.Net.Sockets;
using Npgsql;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Catalog;

/// <summary>
/// Reads one target's catalog over one connection made with the gateway-held credentials: where
/// the configured columns are, the partitions and inheritance children holding the same column,
/// the views and materialized views computed from them, every function and user operator. It only reads
/// the catalog and describes view definitions; it executes nothing a view computes.
/// </summary>
internal sealed partial class UpstreamCatalogReader : IAsyncDisposable
{
    /// <summary>How long a read waits for a lock another session holds before it gives up.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(2);

    /// <summary>What pg_stat_activity shows for the catalog's connections.</summary>
    public const string ApplicationName = "orleansgate-catalog";

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnection _connection;
    private readonly Dictionary<uint, MaskedRelation> _relations = [];

    private UpstreamCatalogReader(NpgsqlDataSource dataSource, NpgsqlConnection connection)
    {
        _dataSource = dataSource;
        _connection = connection;
    }

    public static async Task<UpstreamCatalogReader> OpenAsync(TargetOptions target, CancellationToken cancellationToken)
    {
        // A data source of its own, disposed after the read: no pool, and no process-wide cache
        // keyed by a connection string that holds the password.
        var dataSource = NpgsqlDataSource.Create(ConnectionString(target));
        try
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var reader = new UpstreamCatalogReader(dataSource, connection);
            // With only pg_catalog on the path pg_get_viewdef qualifies every name it prints, and
            // the describe resolves those names exactly as the view does, whatever the role's path.
            await reader.ExecuteAsync("SET search_path = pg_catalog", cancellationToken).ConfigureAwait(false);
            // Describing a view locks its tables; a session's uncommitted ALTER TABLE must not stall
            // the catalog (and with it every session's decisions on the target) for longer than this.
            await reader.ExecuteAsync($"SET lock_timeout = '{LockTimeout.TotalMilliseconds}ms'", cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Reads the catalog for <paramref name="rules"/>. <paramref name="remembered"/> holds, by rule
    /// index, the columns a previous read found for that rule: they stay masked while they exist,
    /// whatever they are called now.
    /// </summary>
    public async Task<UpstreamCatalog> ReadAsync(IReadOnlyList<MaskRule> rules,
        IReadOnlyDictionary<int, IReadOnlyCollection<ColumnIdentity>> remembered, CancellationToken cancellationToken)
    {
        var origins = new Dictionary<ColumnIdentity, MaskedOrigin>();
        await AddConfiguredColumnsAsync(rules, remembered, origins, cancellationToken).ConfigureAwait(false);
        // With masks of its own, user code may carry their values; with only the built-in ones, it is not followed (docs/masking.md).
        var ownMasks = rules.Count > Masking.BuiltInMasks.Rules.Count;
        await AddViewColumnsAsync(origins, ownMasks, cancellationToken).ConfigureAwait(false);
        var relations = await RelationsAsync(origins.Keys.Select(c => c.TableOid).Distinct(), cancellationToken).ConfigureAwait(false);
        var functions = await FunctionsAsync(cancellationToken).ConfigureAwait(false);
        var operators = await UserOperatorsAsync(cancellationToken).ConfigureAwait(false);
        var textTypes = await TextTypesAsync(cancellationToken).ConfigureAwait(false);
        return new UpstreamCatalog(
            origins.Values.OrderBy(o => o.TableOid).ThenBy(o => o.AttributeNumber).ToArray(),
            relations.OrderBy(r => r.Oid).ToArray(),
            functions,
            operators,
            textTypes);
    }

    /// <summary>Why a read failed, in words fit for a log and a client: no password, no upstream user name.</summary>
    public static string DescribeFailure(Exception failure, TargetOptions target)
    {
        var text = failure switch
        {
            PostgresException e => $"the target refused the catalog read: {e.SqlState} {e.MessageText}",
            NpgsqlException { InnerException: SocketException e } => $"could not reach {target.Host}:{target.Port} ({e.SocketErrorCode})",
            NpgsqlException { InnerException: TimeoutException } =>
                $"no answer from {target.Host}:{target.Port} within {target.ConnectTimeout.TotalSeconds:0.#} s",
            NpgsqlException e => e.Message,
            _ => $"{failure.GetType().Name}: {failure.Message}",
        };
        return Redact(Redact(text, target.Password), target.Username).ReplaceLineEndings(" ");
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A connection to the target with the gateway-held credentials, unpooled, named <paramref name="applicationName"/>.</summary>
    internal static string ConnectionString(TargetOptions target, string applicationName = ApplicationName) => new NpgsqlConnectionStringBuilder
    {
        Host = target.Host,
        Port = target.Port,
        Database = target.UpstreamDatabase,
        Username = target.Username,
        Password = target.Password,
        SslMode = target.SslMode switch
        {
            UpstreamSslMode.Disable => SslMode.Disable,
            UpstreamSslMode.Require => SslMode.Require,
            UpstreamSslMode.VerifyFull => SslMode.VerifyFull,
            _ => SslMode.Prefer,
        },
        RootCertificate = string.IsNullOrEmpty(target.RootCertificate) ? null : target.RootCertificate,
        // Npgsql counts whole seconds and accepts at most 1024.
        Timeout = (int)Math.Clamp(Math.Ceiling(target.ConnectTimeout.TotalSeconds), 1, 1024),
        CommandTimeout = 30,
        Pooling = false,
        Enlist = false,
        ApplicationName = applicationName,
        // Server error details could quote values; the catalog read needs only the message.
        IncludeErrorDetail = false,
    }.ConnectionString;

    private static string Redact(string text, string secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "***", StringComparison.Ordinal);

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
