using System.Text;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Clients;

/// <summary>COPY of 100,000 rows in and out through the gateway comes back byte for byte.</summary>
public sealed class CopyRoundTripTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    private const int Rows = 100_000;

    protected override string SetUpDatabaseSql => """
        CREATE TABLE ledger (id int PRIMARY KEY, label text, amount numeric(12,2), at timestamptz, note text);
        """;

    [Fact]
    public async Task Text_copy_of_100000_rows_round_trips_byte_identical()
    {
        var original = TextRows();
        await using var connection = await OpenViaGatewayAsync();
        await PostgresFixture.ExecuteAsync(connection, "TRUNCATE ledger");
        await using (var import = await connection.BeginTextImportAsync("COPY ledger FROM STDIN"))
        {
            await import.WriteAsync(original);
        }

        var viaGateway = await ExportTextAsync(connection);
        await using var direct = await OpenDirectAsync();
        var fromDirect = await ExportTextAsync(direct);

        Assert.Equal(Rows, viaGateway.Count(c => c == '\n'));
        Assert.Equal(original, viaGateway);
        Assert.Equal(fromDirect, viaGateway);
    }

    [Fact]
    public async Task Binary_copy_out_is_byte_identical_to_a_direct_one()
    {
        await using var connection = await OpenViaGatewayAsync();
        await PostgresFixture.ExecuteAsync(connection, "TRUNCATE ledger");
        await using (var import = await connection.BeginTextImportAsync("COPY ledger FROM STDIN"))
        {
            await import.WriteAsync(TextRows());
        }

        const string export = "COPY (SELECT * FROM ledger ORDER BY id) TO STDOUT (FORMAT binary)";
        var viaGateway = await RawCopyOutAsync(connection, export);
        await using var direct = await OpenDirectAsync();
        var fromDirect = await RawCopyOutAsync(direct, export);

        Assert.True(viaGateway.Length > Rows * 30);
        Assert.Equal(fromDirect, viaGateway);
    }

    // Values that exercise COPY's text escaping: tabs, backslashes, newlines, NULL and non-ASCII.
    private static string TextRows()
    {
        var text = new StringBuilder(Rows * 64);
        for (var i = 1; i <= Rows; i++)
        {
            var note = (i % 5) switch
            {
                0 => "\\N",
                1 => "tab\\there",
                2 => "back\\\\slash",
                3 => "line\\nbreak",
                _ => "naïve café ✓",
            };
            text.Append(i).Append('\t').Append("label ").Append(i % 977).Append('\t')
                .Append((i * 3.7m % 100000).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)).Append('\t')
                .Append("2024-01-01 00:00:00+00").Append('\t').Append(note).Append('\n');
        }

        return text.ToString();
    }

    private static async Task<string> ExportTextAsync(NpgsqlConnection connection)
    {
        using var export = await connection.BeginTextExportAsync("COPY (SELECT * FROM ledger ORDER BY id) TO STDOUT");
        return await export.ReadToEndAsync();
    }

    private static async Task<byte[]> RawCopyOutAsync(NpgsqlConnection connection, string sql)
    {
        await using var stream = await connection.BeginRawBinaryCopyAsync(sql);
        using var bytes = new MemoryStream();
        await stream.CopyToAsync(bytes);
        return bytes.ToArray();
    }
}
