using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace OrleansGate.ReplayTool.Store;

/// <summary>How the audit commands print: Spectre.Console for people, indented JSON for scripts.</summary>
internal static class Output
{
    /// <summary>Catches the projections up before a listing reads them; when they could not be, a warning on stderr (not in --json output).</summary>
    public static async Task CatchUpAsync(Marten.IDocumentStore store, ParseResult parse, CancellationToken cancellationToken)
    {
        if (await Grains.Audit.Projections.ProjectionCatchUp.RunAsync(store, cancellationToken).ConfigureAwait(false) is { } behind)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"warning: {behind}").ConfigureAwait(false);
        }
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static readonly JsonSerializerOptions Compact = new() { Converters = { new JsonStringEnumConverter() } };

    public static IAnsiConsole Console(ParseResult parse)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
        if (System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;
        }

        return console;
    }

    public static void WriteJson<T>(ParseResult parse, T value) =>
        parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(value, Json));

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(column));
        }

        return table;
    }

    public static Text Cell(object? value) => new(value switch
    {
        null => "",
        DateTimeOffset at => Time(at),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    });

    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string OneLine(string sql, int max)
    {
        var line = string.Join(' ', sql.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }
}
