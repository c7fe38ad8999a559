using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Marten;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.ReplayTool.Store;

namespace OrleansGate.ReplayTool.Sessions;

/// <summary>
/// <c>sessions export ID --format json|jsonl|csv</c>: every event of the session in stream order.
/// Each record has the same fields in the same order: session, version, seq, type, timestamp, data
/// (the event itself, its properties in declaration order).
/// </summary>
public static class SessionsExportCommand
{
    public static readonly IReadOnlyList<string> Fields = ["session", "version", "seq", "type", "timestamp", "data"];

    public static Command Create(GlobalOptions globals)
    {
        var id = SessionsCommand.IdArgument();
        var format = new Option<string>("--format") { Description = "json (one array), jsonl (one event a line) or csv", Required = true };
        format.AcceptOnlyFromAmong("json", "jsonl", "csv");
        var command = new Command("export", "Export every event of a session") { id, format };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            var sessionId = parse.GetValue(id)!;
            using var access = AuditStoreAccess.Open(parse, globals);
            var events = await access.RunAsync(async store =>
            {
                await using var session = store.QuerySession();
                return await session.Events.FetchStreamAsync(sessionId, token: cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            if (events.Count == 0)
            {
                throw new CommandFailedException($"no session '{sessionId}' in the audit record at {access.Where}");
            }

            var output = parse.InvocationConfiguration.Output;
            var records = events.Select(e => new ExportedEvent(sessionId, e.Version, e.Sequence, e.EventTypeName, e.Timestamp,
                JsonSerializer.SerializeToElement(e.Data, e.Data.GetType(), Output.Compact))).ToList();
            switch (parse.GetValue(format))
            {
                case "json":
                    await output.WriteLineAsync(JsonSerializer.Serialize(records, Output.Json)).ConfigureAwait(false);
                    break;
                case "jsonl":
                    foreach (var record in records)
                    {
                        await output.WriteLineAsync(JsonSerializer.Serialize(record, Output.Compact)).ConfigureAwait(false);
                    }

                    break;
                default:
                    await output.WriteLineAsync(string.Join(',', Fields)).ConfigureAwait(false);
                    foreach (var r in records)
                    {
                        await output.WriteLineAsync(string.Join(',', Csv(r.Session), r.Version.ToString(CultureInfo.InvariantCulture),
                            r.Seq.ToString(CultureInfo.InvariantCulture), Csv(r.Type),
                            r.Timestamp.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture), Csv(r.Data.GetRawText()))).ConfigureAwait(false);
                    }

                    break;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>RFC 4180: quote a field with a comma, quote or line break; double the quotes inside.</summary>
    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private sealed record ExportedEvent(
        [property: System.Text.Json.Serialization.JsonPropertyName("session")] string Session,
        [property: System.Text.Json.Serialization.JsonPropertyName("version")] long Version,
        [property: System.Text.Json.Serialization.JsonPropertyName("seq")] long Seq,
        [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
        [property: System.Text.Json.Serialization.JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
        [property: System.Text.Json.Serialization.JsonPropertyName("data")] JsonElement Data);
}
