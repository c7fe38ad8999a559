using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Catalog;

/// <summary>
/// The planner's row estimate for one SELECT, for the bulk-read hold condition: <c>EXPLAIN
/// (FORMAT JSON)</c> — never ANALYZE, so the statement is planned, not run — on a connection of
/// its own with the gateway-held credentials, inside a READ ONLY transaction that is rolled back,
/// with a time bound. The caller records the statement (StatementReceived) before this sends it.
/// </summary>
internal static class UpstreamPlanEstimate
{
    /// <summary>What pg_stat_activity shows for these connections.</summary>
    public const string ApplicationName = "orleansgate-estimate";

    /// <summary>Connecting and planning together may take no longer; past it the estimate is unknown (bulk).</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(5);

    /// <summary>The top-level plan node's "Plan Rows". Throws when it cannot be had.</summary>
    public static async Task<long> RowsAsync(TargetOptions target, string sql, IReadOnlyList<string?> parameters, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeLimit);
        var dataSource = NpgsqlDataSource.Create(UpstreamCatalogReader.ConnectionString(target, ApplicationName));
        await using (dataSource.ConfigureAwait(false))
        {
            var connection = await dataSource.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(timeout.Token).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var milliseconds = ((long)TimeLimit.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
                    await using (var setUp = new NpgsqlCommand($"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {milliseconds}", connection, transaction))
                    {
                        await setUp.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
                    }

                    // A batch command is sent as it is, in the extended protocol: never split on
                    // semicolons, and the server refuses more than one statement in it.
                    var batch = new NpgsqlBatch(connection, transaction);
                    await using (batch.ConfigureAwait(false))
                    {
                        var command = new NpgsqlBatchCommand("EXPLAIN (FORMAT JSON) " + sql);
                        foreach (var parameter in parameters)
                        {
                            // Untyped text: the server infers each type as it would for the statement itself.
                            command.Parameters.Add(new NpgsqlParameter { Value = (object?)parameter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown });
                        }

                        batch.BatchCommands.Add(command);
                        var plan = (string?)await batch.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false)
                                   ?? throw new InvalidOperationException("EXPLAIN returned no plan");
                        await transaction.RollbackAsync(timeout.Token).ConfigureAwait(false);
                        return TopRows(plan);
                    }
                }
            }
        }
    }

    /// <summary><c>[{"Plan": {"Plan Rows": n, …}}]</c> → n.</summary>
    internal static long TopRows(string explainJson)
    {
        using var document = JsonDocument.Parse(explainJson);
        var rows = document.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows");
        return rows.ValueKind == JsonValueKind.Number && rows.TryGetInt64(out var whole) ? whole : (long)Math.Ceiling(rows.GetDouble());
    }
}
