using System.Text.Json;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql.Shapes;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Builds a <see cref="StatementInfo"/> from one statement of libpg_query's JSON parse tree
/// (<c>{"SelectStmt": {…}}</c>): its kinds, from the top-level command (this file) and from every
/// statement nested in it; the relations, functions and settings found anywhere in the tree
/// (<c>StatementClassifier.Walk.cs</c>); and the <see cref="StatementInfo.Query"/> shape that
/// masking resolves against the catalog.
/// </summary>
internal sealed partial class StatementClassifier
{
    private StatementClassifier()
    {
    }

    public static StatementInfo Classify(JsonElement statement, string sql, string fingerprint)
    {
        var classifier = new StatementClassifier();
        var (command, body) = NodeOf(statement);
        var top = Top(command, body);
        classifier.VisitValue(statement, written: false, depth: 0);

        var kinds = new List<StatementKind> { top.Kind };
        foreach (var kind in classifier._kinds)
        {
            // Plain EXPLAIN runs nothing of what it explains.
            if (!kinds.Contains(kind) && !(top.Kind == StatementKind.Explain && !top.ExplainRuns))
            {
                kinds.Add(kind);
            }
        }

        kinds.AddRange(top.ExtraKinds.Where(k => !kinds.Contains(k)));
        var inner = command is "PrepareStmt" or "DeclareCursorStmt" or "ExplainStmt" && body.TryGetProperty("query", out var held)
            ? Classify(held, sql, fingerprint)
            : null;

        return new StatementInfo
        {
            Kind = top.Kind,
            Kinds = kinds.ToArray(),
            Command = command,
            Sql = sql,
            Fingerprint = fingerprint,
            RelationsRead = classifier._read.Except(classifier._written).ToArray(),
            RelationsWritten = classifier._written.ToArray(),
            Functions = classifier._functions.ToArray(),
            FunctionalNotation = classifier.FunctionalNotationOnly(),
            Columns = classifier._columns.ToArray(),
            HasDataModifyingCte = classifier._dataModifyingCte,
            CreatesTableFromQuery = top.CreatesTable,
            Copy = top.Copy,
            CopyColumns = top.CopyColumns,
            CopyRelation = top.CopyRelation,
            CopyOptions = top.CopyOptions,
            HasLimit = command == "SelectStmt" && HasLimitValue(body),
            UnboundedWrite = classifier._unboundedWrite || IsUnboundedWrite(command, body),
            Setting = top.Setting ?? classifier._setting,
            SettingValue = top.SettingValue ?? classifier._settingValue,
            ObjectName = top.ObjectName,
            Holdable = top.Holdable,
            SettingChanges = classifier._settingChanges.ToArray(),
            HasOpaqueBody = command == "CreateFunctionStmt" && Items(body, "options").Any(o => NodeOf(o) is ("DefElem", var d) && String(d, "defname") == "as"),
            Query = QueryShapeReader.ForStatement(command, body),
            // EXPLAIN EXECUTE evaluates the parameters too (ExplainExecuteQuery), ANALYZE or not.
            ParameterValues = command == "ExecuteStmt" ? QueryShapeReader.ExecuteParameters(body)
                : inner is { Command: "ExecuteStmt" } ? inner.ParameterValues : [],
            Inner = inner,
            ReadOnlyCommand = ReadOnlyCommands.IsReadOnly(command, body, kinds, inner) && !classifier._locksRows,
        };
    }

    // UPDATE / DELETE with no WHERE at all touch every row; WHERE CURRENT OF counts as a WHERE.
    private static bool IsUnboundedWrite(string command, JsonElement body) =>
        command is "UpdateStmt" or "DeleteStmt" && !body.TryGetProperty("whereClause", out _);

    // LIMIT n / FETCH FIRST n ROWS put limitCount on the outermost SelectStmt; LIMIT ALL (or
    // LIMIT NULL) is a null constant there and limits nothing.
    private static bool HasLimitValue(JsonElement select) =>
        select.TryGetProperty("limitCount", out var limit)
        && !(NodeOf(limit) is ("A_Const", var constant) && Bool(constant, "isnull"));

    /// <summary>What the top-level command is, before anything nested in it is looked at.</summary>
    private sealed record TopLevel(StatementKind Kind)
    {
        public CopyEndpoint Copy { get; init; }
        public bool CreatesTable { get; init; }
        public bool ExplainRuns { get; init; }
        public string? Setting { get; init; }
        public string? SettingValue { get; init; }
        public string? ObjectName { get; init; }
        public bool Holdable { get; init; }
        public StatementKind[] ExtraKinds { get; init; } = [];
        public string[] CopyColumns { get; init; } = [];
        public string? CopyRelation { get; init; }
        public CopyOption[] CopyOptions { get; init; } = [];
    }

    private static TopLevel Top(string command, JsonElement body)
    {
        switch (command)
        {
            case "SelectStmt":
                var into = SelectInto.Creates(body);
                return new TopLevel(StatementKind.Select) { CreatesTable = into, ExtraKinds = into ? [StatementKind.Ddl] : [] };
            case "InsertStmt": return new TopLevel(StatementKind.Insert);
            case "UpdateStmt": return new TopLevel(StatementKind.Update);
            case "DeleteStmt": return new TopLevel(StatementKind.Delete);
            case "MergeStmt": return new TopLevel(StatementKind.Merge);
            case "CopyStmt":
                var from = Bool(body, "is_from");
                var endpoint = Bool(body, "is_program") ? CopyEndpoint.Program
                    : body.TryGetProperty("filename", out _) ? CopyEndpoint.ServerFile
                    : CopyEndpoint.Client;
                return new TopLevel(from ? StatementKind.CopyFrom : StatementKind.CopyTo)
                {
                    Copy = endpoint,
                    // COPY … FROM adds rows: a rule on Insert covers it.
                    ExtraKinds = from ? [StatementKind.Insert] : [],
                    CopyRelation = body.TryGetProperty("relation", out var copied) ? QualifiedName(copied) : null,
                    CopyColumns = Strings(body, "attlist"),
                    CopyOptions = CopyOptionsOf(body),
                };
            case "CreateTableAsStmt":
                return new TopLevel(StatementKind.Ddl) { CreatesTable = true };
            case "VariableSetStmt":
                var reset = String(body, "kind") is "VAR_RESET" or "VAR_RESET_ALL";
                return new TopLevel(reset ? StatementKind.Reset : StatementKind.Set)
                {
                    Setting = String(body, "name")?.ToLowerInvariant() ?? (reset ? "all" : null),
                    SettingValue = ConstantArgument(body, "args", 0),
                };
            case "AlterSystemStmt":
                return new TopLevel(StatementKind.Ddl) { Setting = body.TryGetProperty("setstmt", out var set) ? String(set, "name")?.ToLowerInvariant() : null };
            case "ExplainStmt":
                var analyze = Items(body, "options").Any(o => NodeOf(o) is ("DefElem", var d) && String(d, "defname") == "analyze" && !IsFalse(d));
                if (analyze && body.TryGetProperty("query", out var inner))
                {
                    var runs = Top(NodeOf(inner).Name, NodeOf(inner).Body);
                    return runs with { ExplainRuns = true, ExtraKinds = [.. runs.ExtraKinds, StatementKind.Explain] };
                }

                return new TopLevel(StatementKind.Explain);
            case "PrepareStmt": return new TopLevel(StatementKind.Prepare) { ObjectName = String(body, "name") };
            case "ExecuteStmt": return new TopLevel(StatementKind.Execute) { ObjectName = String(body, "name") };
            case "DeallocateStmt": return new TopLevel(StatementKind.Deallocate) { ObjectName = String(body, "name") };
            case "DeclareCursorStmt":
                // CURSOR_OPT_HOLD (parsenodes.h): WITH HOLD, the cursor outlives its transaction.
                const int cursorWithHold = 0x0020;
                return new TopLevel(StatementKind.Declare)
                {
                    ObjectName = String(body, "portalname"),
                    Holdable = body.TryGetProperty("options", out var cursorOptions) && (cursorOptions.GetInt32() & cursorWithHold) != 0,
                };
            case "DiscardStmt":
                return new TopLevel(StatementKind.Other) { ObjectName = String(body, "target") is { } target ? target["DISCARD_".Length..] : null };
            case "FetchStmt": return new TopLevel(StatementKind.Fetch) { ObjectName = String(body, "portalname") };
            case "ClosePortalStmt": return new TopLevel(StatementKind.Close) { ObjectName = String(body, "portalname") };
            case "VacuumStmt":
                return new TopLevel(Bool(body, "is_vacuumcmd") ? StatementKind.Vacuum : StatementKind.Analyze);
            default:
                var kind = StatementKinds.ForCommand(command);
                // Roles, privileges and ownership change what the schema allows: they are DDL too.
                return new TopLevel(kind) { ExtraKinds = kind == StatementKind.Grant ? [StatementKind.Ddl] : [] };
        }
    }

    private static CopyOption[] CopyOptionsOf(JsonElement copy) =>
        Items(copy, "options")
            .Select(NodeOf)
            .Where(o => o.Name == "DefElem")
            .Select(o => new CopyOption(String(o.Body, "defname") ?? string.Empty, ArgumentText(o.Body)))
            .ToArray();

    // A DefElem's argument as written: a string, a number, a boolean, or a list (FORCE_QUOTE (a, b)).
    private static string? ArgumentText(JsonElement defElem)
    {
        if (!defElem.TryGetProperty("arg", out var arg))
        {
            return null;
        }

        return NodeOf(arg) switch
        {
            ("String", var b) => String(b, "sval"),
            ("Integer", var b) => b.TryGetProperty("ival", out var i) ? i.GetRawText() : "0",
            ("Boolean", var b) => Bool(b, "boolval") ? "true" : "false",
            ("A_Star", _) => "*",
            ("List", var b) => string.Join(',', Items(b, "items").Select(x => NodeOf(x) is ("String", var c) ? String(c, "sval") : null)),
            _ => arg.GetRawText(),
        };
    }

    private static string QualifiedName(JsonElement rangeVar)
    {
        // A catalog part can only name the current database, so it is dropped: billing.cards and
        // shop.billing.cards are the same table to a policy.
        var relname = String(rangeVar, "relname") ?? string.Empty;
        return String(rangeVar, "schemaname") is { } schema ? $"{schema}.{relname}" : relname;
    }

    /// <summary>The argument at <paramref name="index"/> when it is a string or number constant.</summary>
    private static string? ConstantArgument(JsonElement body, string field, int index)
    {
        if (!body.TryGetProperty(field, out var args) || args.ValueKind != JsonValueKind.Array || args.GetArrayLength() <= index)
        {
            return null;
        }

        var (name, constant) = NodeOf(args[index]);
        if (name != "A_Const")
        {
            return null;
        }

        if (constant.TryGetProperty("sval", out var sval))
        {
            return String(sval, "sval") ?? string.Empty;
        }

        if (constant.TryGetProperty("ival", out var ival))
        {
            return ival.TryGetProperty("ival", out var i) ? i.GetRawText() : "0";
        }

        return null;
    }

    private static bool IsFalse(JsonElement defElem) =>
        defElem.TryGetProperty("arg", out var arg) && NodeOf(arg) is var (n, b)
        && ((n == "String" && String(b, "sval") is "false" or "off" or "0")
            || (n == "Boolean" && !Bool(b, "boolval"))
            || (n == "Integer" && b.TryGetProperty("ival", out var iv) && iv.GetInt32() == 0));
}

/// <summary>The parse tree is deeper than the gateway is willing to inspect; the statement is refused.</summary>
internal sealed class StatementTooDeepException : Exception
{
    public StatementTooDeepException()
        : base("statement is nested too deeply to inspect")
    {
    }
}
