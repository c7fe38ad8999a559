using System.Globalization;
using Npgsql;

namespace OrleansGate.Tests.Support;

/// <summary>One statement's single value, as a test reads it back through a connection.</summary>
public static class NpgsqlScalars
{
    /// <summary>Runs <paramref name="sql"/> and returns its first value as an int (any integer type the server sends).</summary>
    public static async Task<int> ScalarIntAsync(this NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
