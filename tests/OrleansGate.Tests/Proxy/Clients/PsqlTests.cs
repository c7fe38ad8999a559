using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Clients;

/// <summary>The psql binary (simple protocol, \copy, large objects over the fast-path interface) through the gateway.</summary>
public sealed class PsqlTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-psql-");

    protected override string SetUpDatabaseSql => """
        CREATE TABLE cities (id int PRIMARY KEY, name text, population bigint, founded date);
        INSERT INTO cities VALUES (1, 'Boston', 675647, '1630-09-07'), (2, 'Zürich', 421878, NULL), (3, 'Tab	City', 1, '2000-01-01');
        """;

    private string ViaPsql => Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main");

    private string BobViaPsql => Gateway.LibpqConnectionString("bob", GatewayConfig.BobPassword, "main");

    /// <summary>Large objects and the FunctionCall message are blocked by default; approvers get them back by name.</summary>
    protected override void Configure(System.Text.Json.Nodes.JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "main", "Rules": [
              { "Name": "approvers-use-large-objects", "Groups": ["approvers"], "Action": "Allow",
                "Overrides": ["function-call-message", "large-objects"] } ] }
            """);

    private string DirectPsql => $"host={Postgres.Server.Host} port={Postgres.Server.Port} dbname={Database} " +
                                 $"user={PostgresFixture.ScramUser} password={Postgres.UpstreamPassword} sslmode=disable";

    [Fact]
    public async Task A_query_prints_the_same_as_on_a_direct_connection()
    {
        string[] args = ["-c", "SELECT id, name, population, founded FROM cities ORDER BY id"];
        var viaGateway = await ClientTools.PsqlAsync(ViaPsql, args);
        var direct = await ClientTools.PsqlAsync(DirectPsql, args);

        Assert.True(viaGateway.ExitCode == 0, viaGateway.Output);
        Assert.Equal(direct.StandardOutput, viaGateway.StandardOutput);
        Assert.Contains("Zürich", viaGateway.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(3 rows)", viaGateway.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_statements_in_one_simple_query_all_run()
    {
        var result = await ClientTools.PsqlAsync(ViaPsql, ["-At", "-c", "SELECT 1; SELECT 'two'; SELECT count(*) FROM cities"]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(["1", "two", "3"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_error_is_reported_as_the_server_wrote_it()
    {
        var viaGateway = await ClientTools.PsqlAsync(ViaPsql, ["-c", "SELECT no_such_column FROM cities"]);
        var direct = await ClientTools.PsqlAsync(DirectPsql, ["-c", "SELECT no_such_column FROM cities"]);

        Assert.NotEqual(0, viaGateway.ExitCode);
        Assert.Contains("column \"no_such_column\" does not exist", viaGateway.StandardError, StringComparison.Ordinal);
        Assert.Equal(direct.StandardError, viaGateway.StandardError);
    }

    [Fact]
    public async Task A_script_copies_a_file_in_and_back_out_unchanged()
    {
        var input = Path.Combine(_work.FullName, "in.csv");
        var output = Path.Combine(_work.FullName, "out.csv");
        var lines = Enumerable.Range(1, 2000).Select(i => $"{i},\"name, {i}\",{i * 7 % 1000},\"quote \"\"{i}\"\"\"");
        await File.WriteAllTextAsync(input, string.Join('\n', lines) + "\n");
        var script = Path.Combine(_work.FullName, "copy.sql");
        await File.WriteAllTextAsync(script, $"""
            DROP TABLE IF EXISTS copied;
            CREATE TABLE copied (id int PRIMARY KEY, name text, score int, note text);
            \copy copied FROM '{input}' WITH (FORMAT csv)
            SELECT count(*) AS loaded FROM copied;
            \copy (SELECT * FROM copied ORDER BY id) TO '{output}' WITH (FORMAT csv)
            """);

        var result = await ClientTools.PsqlAsync(ViaPsql, ["-f", script], _work.FullName);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("2000", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(input), await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task Large_objects_over_the_function_call_interface_are_blocked_by_default()
    {
        var source = Path.Combine(_work.FullName, "refused.bin");
        await File.WriteAllBytesAsync(source, [1, 2, 3]);

        var imported = await ClientTools.PsqlAsync(ViaPsql, ["-c", $"\\lo_import '{source}'"]);

        Assert.NotEqual(0, imported.ExitCode);
        Assert.Contains("blocked by rule 'default:function-call-message'", imported.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Large_objects_travel_over_the_function_call_interface_when_a_rule_allows_them()
    {
        // libpq implements \lo_import and \lo_export with FunctionCall ('F') messages.
        var source = Path.Combine(_work.FullName, "blob.bin");
        var copy = Path.Combine(_work.FullName, "blob.copy");
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(source, bytes);

        var imported = await ClientTools.PsqlAsync(BobViaPsql, ["-c", $"\\lo_import '{source}'"]);
        Assert.True(imported.ExitCode == 0, imported.Output);
        var oid = imported.StandardOutput.Trim().Split(' ')[^1];
        var exported = await ClientTools.PsqlAsync(BobViaPsql, ["-c", $"\\lo_export {oid} '{copy}'", "-c", $"\\lo_unlink {oid}"]);

        Assert.True(exported.ExitCode == 0, exported.Output);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(copy));
    }

    public void Dispose() => _work.Delete(recursive: true);
}
