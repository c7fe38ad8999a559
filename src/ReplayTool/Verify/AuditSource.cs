using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Verification;
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
        var reader = new StoredStreamReader(connectionString, schema);
        await using var streams = reader.StreamsAsync(sessionId, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await streams.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (AuditRecordUnreadableException e)
            {
                throw new CommandFailedException(e.Message);
            }

            yield return streams.Current;
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex Identifier();
}
