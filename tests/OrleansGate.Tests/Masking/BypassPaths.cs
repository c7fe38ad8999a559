using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// Runs bypass attempts through the three ways a client reaches results — psql (simple protocol,
/// text), Npgsql (extended protocol, mostly binary, through a tee that records every byte) and the
/// extended protocol by hand (text results, raw bytes) — and reports each attempt that leaked a
/// secret or did not get what it expected. A report is null when the attempt held.
/// </summary>
public static partial class BypassPaths
{
    /// <summary>Every form of a secret that must not reach a client: as stored, digits only, upper case, reversed, hex, md5.</summary>
    public static readonly string[] Forbidden = MaskingTestBase.Secrets
        .SelectMany(s => new[]
        {
            s, Digits(s), s.ToUpperInvariant(), Reverse(s), Reverse(Digits(s)),
            Convert.ToHexStringLower(Encoding.UTF8.GetBytes(s)),
            Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s))),
        })
        .Where(f => f.Length >= 6) // the e-mail local parts have no digits
        .Distinct()
        .ToArray();

    public static string[] LeaksIn(string text, IReadOnlyList<string>? alsoForbidden = null) =>
        Forbidden.Concat(alsoForbidden ?? []).Where(f => text.Contains(f, StringComparison.OrdinalIgnoreCase)).ToArray();

    public static string[] LeaksIn(byte[] bytes, IReadOnlyList<string>? alsoForbidden = null) => LeaksIn(Encoding.UTF8.GetString(bytes), alsoForbidden);

    /// <summary>Runs every attempt (a few at a time) and returns the reports of those that failed.</summary>
    public static async Task<List<string>> RunAllAsync(IEnumerable<BypassAttempt> attempts, Func<BypassAttempt, Task<string?>> run,
        int parallelism = 4)
    {
        using var gate = new SemaphoreSlim(parallelism);
        var reports = await Task.WhenAll(attempts.Select(async attempt =>
        {
            await gate.WaitAsync();
            try
            {
                return await run(attempt);
            }
            catch (Exception e)
            {
                return $"{attempt.Name}: {e.GetType().Name}: {e.Message}";
            }
            finally
            {
                gate.Release();
            }
        }));
        return reports.OfType<string>().ToList();
    }

    /// <summary>psql, one -c per batch (each a Query message), stopping at the first error.</summary>
    public static async Task<string?> PsqlAsync(BypassAttempt attempt, string libpqConnectionString)
    {
        var result = await ClientTools.PsqlAsync(libpqConnectionString, attempt.Batches.SelectMany(b => new[] { "-c", b }),
            timeout: TimeSpan.FromSeconds(30));
        var all = result.StandardOutput + "\n" + result.StandardError;
        var problems = new List<string>();
        if (LeaksIn(all, attempt.AlsoForbidden) is { Length: > 0 } leaked)
        {
            problems.Add($"LEAKED {string.Join(", ", leaked)}");
        }

        var failed = result.ExitCode != 0 || result.StandardError.Contains("ERROR", StringComparison.Ordinal);
        if (attempt.Expect == Expect.Rows && failed)
        {
            problems.Add("expected rows, got an error");
        }

        if (attempt.Expect == Expect.Rows && attempt.Marker is { } marker && !result.StandardOutput.Contains(marker, StringComparison.Ordinal))
        {
            problems.Add($"expected '{marker}' in the output");
        }

        if (attempt.Expect == Expect.Refused && (!failed || (attempt.SqlState is { } state && !PsqlSqlStateMatches(result.StandardError, state))))
        {
            problems.Add($"expected a refusal{(attempt.SqlState is null ? string.Empty : " " + attempt.SqlState)}");
        }

        return Report(attempt, "psql", problems, all);
    }

    // psql prints no SQLSTATE by default; our refusals all say "blocked by rule" or "held".
    private static bool PsqlSqlStateMatches(string stderr, string sqlState) =>
        sqlState != "42501" || stderr.Contains("rule", StringComparison.Ordinal);

    /// <summary>Npgsql through a tee; each single-statement query that should return rows is run again prepared (Parse with a name).</summary>
    /// <remarks>
    /// Through one of <paramref name="tees"/>: attempts on the same tee share its port, and so
    /// Npgsql's knowledge of the server's types. Attempts that change types (DDL) take the overload
    /// with a tee of their own.
    /// </remarks>
    public static async Task<string?> NpgsqlAsync(BypassAttempt attempt, LoopbackTees tees, Func<int, string> connectionStringForPort)
    {
        var tee = tees.Rent();
        try
        {
            return await NpgsqlAsync(attempt, tee, connectionStringForPort);
        }
        finally
        {
            tees.Return(tee);
        }
    }

    /// <summary>The same through a tee of its own, on a port (and so an Npgsql type cache) of its own.</summary>
    public static async Task<string?> NpgsqlAsync(BypassAttempt attempt, int gatewayPort, Func<int, string> connectionStringForPort)
    {
        await using var tee = LoopbackTee.Start(gatewayPort);
        return await NpgsqlAsync(attempt, tee, connectionStringForPort);
    }

    private static async Task<string?> NpgsqlAsync(BypassAttempt attempt, LoopbackTee tee, Func<int, string> connectionStringForPort)
    {
        var problems = new List<string>();
        var decoded = new StringBuilder();
        var rows = 0;
        string? error = null;
        await using (var connection = new NpgsqlConnection(connectionStringForPort(tee.Port)))
        {
            await connection.OpenAsync();
            try
            {
                foreach (var batch in attempt.Batches)
                {
                    rows += await NpgsqlBatchAsync(connection, attempt, batch, prepare: false, decoded);
                }

                if (attempt is { Expect: Expect.Rows, Batches: [var only] } && !attempt.IsCopy(only) && BypassAttempt.Statements(only).Length == 1)
                {
                    rows += await NpgsqlBatchAsync(connection, attempt, only, prepare: true, decoded);
                }
            }
            catch (PostgresException e)
            {
                error = e.SqlState;
                decoded.Append(e.Message).Append(e.Detail).Append(e.Where);
            }
        }

        var received = await tee.ReceivedAsync();
        var leaked = LeaksIn(received, attempt.AlsoForbidden).Concat(LeaksIn(decoded.ToString(), attempt.AlsoForbidden)).Distinct().ToArray();
        if (leaked.Length > 0)
        {
            problems.Add($"LEAKED {string.Join(", ", leaked)}");
        }

        CheckExpectation(attempt, error, rows, Encoding.UTF8.GetString(received), problems);
        return Report(attempt, "Npgsql", problems, decoded.ToString());
    }

    private static async Task<int> NpgsqlBatchAsync(NpgsqlConnection connection, BypassAttempt attempt, string batch, bool prepare, StringBuilder decoded)
    {
        if (attempt.IsCopy(batch))
        {
            if (BypassAttempt.IsBinaryCopy(batch))
            {
                await using var binary = await connection.BeginRawBinaryCopyAsync(batch);
                var bytes = new MemoryStream();
                await binary.CopyToAsync(bytes);
                decoded.Append(Encoding.UTF8.GetString(bytes.ToArray()));
                return bytes.Length > 0 ? 1 : 0;
            }

            using var text = await connection.BeginTextExportAsync(batch);
            var lines = 0;
            while (await text.ReadLineAsync() is { } line)
            {
                decoded.AppendLine(line);
                lines++;
            }

            return lines;
        }

        await using var command = new NpgsqlCommand(batch, connection);
        if (prepare)
        {
            await command.PrepareAsync();
        }

        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync())
            {
                rows++;
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    decoded.Append(Describe(reader, i)).Append('|');
                }

                decoded.AppendLine();
            }
        }
        while (await reader.NextResultAsync());

        return rows;
    }

    private static string Describe(NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return "NULL";
        }

        try
        {
            return Describe(reader.GetValue(ordinal));
        }
        catch (Exception e) when (e is InvalidCastException or NotSupportedException or InvalidOperationException)
        {
            return $"<unreadable {reader.GetDataTypeName(ordinal)}>";
        }
    }

    private static string Describe(object? value) => value switch
    {
        null or DBNull => "NULL",
        byte[] bytes => Encoding.UTF8.GetString(bytes) + " " + Convert.ToHexStringLower(bytes),
        string text => text,
        IEnumerable items => "{" + string.Join(",", items.Cast<object?>().Select(Describe)) + "}",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>The extended protocol by hand: text-format results, every received byte searched.</summary>
    public static async Task<string?> ExtendedAsync(BypassAttempt attempt, int gatewayPort)
    {
        await using var raw = await RawClient.ConnectAsync(gatewayPort);
        var login = await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        if (login[^1].Type != 'Z')
        {
            return $"{attempt.Name} [extended]: login failed";
        }

        var rows = 0;
        string? error = null;
        foreach (var batch in attempt.Batches)
        {
            await raw.SendAsync(b =>
            {
                foreach (var statement in BypassAttempt.Statements(batch))
                {
                    b.Start((byte)'P').WriteCString(string.Empty).WriteCString(statement).WriteInt16(0).Finish();
                    b.Start((byte)'B').WriteCString(string.Empty).WriteCString(string.Empty).WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
                    b.Start((byte)'D').WriteByte((byte)'P').WriteCString(string.Empty).Finish();
                    b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
                }

                b.Start((byte)'S').Finish();
            });
            var messages = await raw.ReadUntilReadyAsync(TimeSpan.FromSeconds(30));
            rows += messages.Count(m => m.Type is 'D' or 'd');
            if (messages.FirstOrDefault(m => m.Type == 'E') is { Payload: not null } failure)
            {
                error = RawClient.Error(failure).SqlState;
                break;
            }
        }

        var received = raw.Received;
        var problems = new List<string>();
        if (LeaksIn(received, attempt.AlsoForbidden) is { Length: > 0 } leaked)
        {
            problems.Add($"LEAKED {string.Join(", ", leaked)}");
        }

        CheckExpectation(attempt, error, rows, Encoding.UTF8.GetString(received), problems);
        return Report(attempt, "extended", problems, Printable(received));
    }

    private static void CheckExpectation(BypassAttempt attempt, string? error, int rows, string received, List<string> problems)
    {
        switch (attempt.Expect)
        {
            case Expect.Rows when error is not null:
                problems.Add($"expected rows, got error {error}");
                break;
            case Expect.Rows when rows < attempt.MinRows:
                problems.Add($"expected at least {attempt.MinRows} rows, got {rows}");
                break;
            case Expect.Rows when attempt.Marker is { } marker && !received.Contains(marker, StringComparison.Ordinal):
                problems.Add($"expected '{marker}' among the results");
                break;
            case Expect.Refused when error is null:
                problems.Add("expected a refusal, the statement ran");
                break;
            case Expect.Refused when attempt.SqlState is { } state && error != state:
                problems.Add($"expected refusal {state}, got {error}");
                break;
        }
    }

    private static string? Report(BypassAttempt attempt, string path, List<string> problems, string seen) =>
        problems.Count == 0 ? null : $"{attempt.Name} [{path}]: {string.Join("; ", problems)}\n    sql: {string.Join(" ⏎ ", attempt.Batches)}\n    seen: {Shorten(seen)}";

    private static string Shorten(string text) => text.Length <= 600 ? text : text[..600] + "…";

    private static string Printable(byte[] bytes) => NotPrintable().Replace(Encoding.UTF8.GetString(bytes), "·");

    private static string Digits(string s) => new(s.Where(char.IsAsciiDigit).ToArray());

    private static string Reverse(string s) => new(s.Reverse().ToArray());

    [GeneratedRegex(@"[\x00-\x1f]+")]
    private static partial Regex NotPrintable();
}
