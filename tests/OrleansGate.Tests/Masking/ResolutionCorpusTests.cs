using System.Text;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// The resolution corpus through psql, Npgsql (binary results) and the extended protocol (text
/// results), and every masked read of both corpora rewritten by <see cref="ReadVariants"/>: each
/// variant that reveals a secret on a direct connection returns through the gateway the same
/// number of rows and no secret in any byte.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class ResolutionCorpusTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + BypassCorpus.SetUpSql;

    [Fact]
    public async Task Psql_gets_no_secret() =>
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(ResolutionCorpus.Attempts,
            a => BypassPaths.PsqlAsync(a, Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"))));

    [Fact]
    public async Task Npgsql_gets_no_secret()
    {
        await using var tees = new LoopbackTees(Gateway.Port);
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(ResolutionCorpus.Attempts,
            a => BypassPaths.NpgsqlAsync(a, tees, port => ViaGateway(b => b.Port = port))));
    }

    [Fact]
    public async Task The_extended_protocol_gets_no_secret() =>
        BypassCorpusTests.AssertHeld(await BypassPaths.RunAllAsync(ResolutionCorpus.Attempts, a => BypassPaths.ExtendedAsync(a, Gateway.Port)));

    [Fact]
    public async Task Every_attempt_reveals_a_secret_on_a_direct_connection()
    {
        // Otherwise an attempt that holds through the gateway would prove nothing.
        var silent = new List<string>();
        foreach (var attempt in ResolutionCorpus.Attempts.Where(a => a.Expect == Expect.Rows))
        {
            if ((await DirectAsync(attempt.Batches[0], attempt.AlsoForbidden)).Leaked.Length == 0)
            {
                silent.Add(attempt.Name);
            }
        }

        Assert.Empty(silent);
    }

    [Fact]
    public async Task Rewritten_reads_get_their_rows_and_no_secret()
    {
        var variants = ReadVariants.Of(BypassCorpus.Attempts.Concat(ResolutionCorpus.Attempts)).ToList();
        // On a direct connection, four at a time (each variant on a pooled connection of its own).
        using var gate = new SemaphoreSlim(4);
        var direct = await Task.WhenAll(variants.Select(async variant =>
        {
            await gate.WaitAsync();
            try
            {
                return (Variant: variant, Result: await DirectAsync(variant.Batches[0], variant.AlsoForbidden));
            }
            finally
            {
                gate.Release();
            }
        }));
        var revealing = direct.Where(d => d.Result.Leaked.Length > 0).Select(d => (d.Variant, d.Result.Rows)).ToList();

        // The generator must produce real attacks, in every form it knows.
        Assert.True(revealing.Count >= 300, $"only {revealing.Count} of {variants.Count} variants reveal a secret on a direct connection");
        foreach (var kind in new[] { "functional", "join-alias-row", "join-alias-star", "whole-row-text", "name-swap" })
        {
            Assert.Contains(revealing, r => r.Variant.Name.EndsWith("~" + kind, StringComparison.Ordinal));
        }

        await using var tees = new LoopbackTees(Gateway.Port);
        var reports = await BypassPaths.RunAllAsync(revealing.Select(r => r.Variant with { MinRows = r.Rows }),
            a => BypassPaths.NpgsqlAsync(a, tees, port => ViaGateway(b => b.Port = port)));
        reports.AddRange(await BypassPaths.RunAllAsync(revealing.Select(r => r.Variant with { MinRows = r.Rows }),
            a => BypassPaths.ExtendedAsync(a, Gateway.Port)));
        BypassCorpusTests.AssertHeld(reports);
    }

    /// <summary>Runs one statement on a direct connection: its row count, and the secrets it revealed.</summary>
    private async Task<(int Rows, string[] Leaked)> DirectAsync(string sql, IReadOnlyList<string> alsoForbidden)
    {
        await using var connection = await OpenDirectAsync();
        // Every value as the server's text, whatever its type (records and arrays included).
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true };
        var text = new StringBuilder();
        var rows = 0;
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? "NULL" : reader.GetString(i)).Append('|');
                }
            }
        }
        catch (PostgresException)
        {
            return (0, []);
        }

        return (rows, BypassPaths.LeaksIn(text.ToString(), alsoForbidden));
    }
}
