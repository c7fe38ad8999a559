using System.Text.Json;
using OrleansGate.Grains.Statements;
using static OrleansGate.Proxy.Sql.ParseTreeJson;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// The walk over the whole tree: a relation, a function, a setting or a nested statement is found
/// wherever it hides — CTEs, subqueries, LATERAL, DEFAULT expressions, COPY's query, a function's
/// SET clause.
/// </summary>
internal sealed partial class StatementClassifier
{
    private readonly List<StatementKind> _kinds = [];
    private readonly SortedSet<string> _read = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _written = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _functions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _calls = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _columns = new(StringComparer.Ordinal);
    private bool _dataModifyingCte;
    private bool _unboundedWrite;
    private bool _locksRows;
    private string? _setting;
    private string? _settingValue;
    private readonly List<SettingChange> _settingChanges = [];

    private void VisitValue(JsonElement value, bool written, int depth)
    {
        if (depth > SqlParser.MaxTreeDepth)
        {
            throw new StatementTooDeepException();
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    VisitValue(item, written, depth + 1);
                }

                return;
            case JsonValueKind.Object when IsWrappedNode(value, out var name, out var body):
                VisitNode(name, body, written, depth + 1);
                return;
            case JsonValueKind.Object when value.TryGetProperty("kind", out var setKind) && setKind.ValueKind == JsonValueKind.String
                                           && setKind.GetString()!.StartsWith("VAR_", StringComparison.Ordinal):
                // A VariableSetStmt held bare (ALTER ROLE … SET, ALTER SYSTEM, a function's SET clause).
                RecordSettingChange(value);
                VisitFields("VariableSetStmt", value, depth);
                return;
            case JsonValueKind.Object when value.TryGetProperty("relname", out _):
                // A field typed RangeVar* (DeleteStmt.relation) holds the struct without its node name.
                RecordRelation(value, written);
                return;
            case JsonValueKind.Object:
                VisitFields(string.Empty, value, depth);
                return;
            default:
                return;
        }
    }

    private void VisitNode(string name, JsonElement body, bool written, int depth)
    {
        switch (name)
        {
            case "RangeVar":
                RecordRelation(body, written);
                return;
            case "VariableSetStmt":
                RecordSettingChange(body);
                break;
            case "SelectStmt" when body.TryGetProperty("lockingClause", out _):
                _locksRows = true;
                break;
            case "FuncCall":
                RecordCall(body);
                break;
            case "A_Indirection":
                RecordIndirection(body);
                break;
            case "ColumnRef":
                var names = Items(body, "fields").Select(f => NodeOf(f) switch
                {
                    ("String", var s) => String(s, "sval") ?? string.Empty,
                    ("A_Star", _) => "*",
                    _ => string.Empty,
                }).ToArray();
                _columns.Add(string.Join('.', names));
                RecordQualifiedColumn(names);
                return;
            case "JoinExpr":
                // JOIN … USING (ssn) names the compared columns as plain strings.
                foreach (var column in Strings(body, "usingClause"))
                {
                    _columns.Add(column);
                }

                break;
            case "CommonTableExpr":
                if (body.TryGetProperty("ctequery", out var cte) && NodeOf(cte).Name is "InsertStmt" or "UpdateStmt" or "DeleteStmt" or "MergeStmt")
                {
                    _dataModifyingCte = true;
                    _unboundedWrite |= IsUnboundedWrite(NodeOf(cte).Name, NodeOf(cte).Body);
                }

                break;
            case "DropStmt":
                RecordDroppedRelations(body);
                break;
        }

        if (StatementKinds.ForNestedStatement(name) is { } nested)
        {
            _kinds.Add(nested);
        }

        VisitFields(name, body, depth);
    }

    private void RecordCall(JsonElement call)
    {
        var function = SqlNames.WithoutCatalog(NameList(call, "funcname"));
        _functions.Add(function);
        _calls.Add(function);
        switch (SqlNames.Unqualified(function))
        {
            case "set_config":
                var name = ConstantArgument(call, "args", 0)?.ToLowerInvariant() ?? StatementInfo.UnknownSetting;
                var value = ConstantArgument(call, "args", 1);
                _setting ??= name;
                _settingValue ??= value;
                _settingChanges.Add(new SettingChange(name, value, IsReset: false));
                _kinds.Add(StatementKind.Set);
                break;
            case "pg_notify":
                _kinds.Add(StatementKind.Notify);
                break;
        }
    }

    private void VisitFields(string owner, JsonElement body, int depth)
    {
        foreach (var field in body.EnumerateObject())
        {
            // Unwrapped structs are named by the field that holds them; only IntoClause matters here.
            if (field.Name is "intoClause" or "into" && field.Value.ValueKind == JsonValueKind.Object)
            {
                VisitFields("IntoClause", field.Value, depth + 1);
                continue;
            }

            var written = WrittenSlots.Contains((owner, field.Name))
                || (owner == "CopyStmt" && field.Name == "relation" && Bool(body, "is_from"));

            VisitValue(field.Value, written, depth + 1);
        }
    }

    private void RecordRelation(JsonElement rangeVar, bool written) =>
        (written ? _written : _read).Add(QualifiedName(rangeVar));

    private void RecordSettingChange(JsonElement variableSet)
    {
        var kind = String(variableSet, "kind");
        // SET x TO DEFAULT goes back to the session's starting value, as RESET x does.
        var reset = kind is "VAR_RESET" or "VAR_RESET_ALL" or "VAR_SET_DEFAULT";
        var name = String(variableSet, "name")?.ToLowerInvariant() ?? (reset ? "all" : StatementInfo.UnknownSetting);
        _settingChanges.Add(new SettingChange(name, ConstantArgument(variableSet, "args", 0), reset));
    }

    // DROP TABLE names its tables as name lists rather than RangeVars.
    private void RecordDroppedRelations(JsonElement body)
    {
        if (String(body, "removeType") is not ("OBJECT_TABLE" or "OBJECT_VIEW" or "OBJECT_MATVIEW" or "OBJECT_SEQUENCE" or "OBJECT_FOREIGN_TABLE" or "OBJECT_INDEX"))
        {
            return;
        }

        foreach (var item in Items(body, "objects"))
        {
            if (NodeOf(item) is ("List", var list))
            {
                _written.Add(NameList(list, "items"));
            }
        }
    }

    /// <summary>(node, field) pairs whose RangeVar the statement writes to or changes.</summary>
    private static readonly HashSet<(string Node, string Field)> WrittenSlots =
    [
        ("InsertStmt", "relation"), ("UpdateStmt", "relation"), ("DeleteStmt", "relation"), ("MergeStmt", "relation"),
        ("TruncateStmt", "relations"), ("IntoClause", "rel"), ("CreateStmt", "relation"), ("AlterTableStmt", "relation"),
        ("IndexStmt", "relation"), ("RenameStmt", "relation"), ("CreateTrigStmt", "relation"), ("RuleStmt", "relation"),
        ("ViewStmt", "view"), ("RefreshMatViewStmt", "relation"), ("LockStmt", "relations"), ("VacuumRelation", "relation"),
        ("ClusterStmt", "relation"), ("CreatePolicyStmt", "table"), ("AlterPolicyStmt", "table"),
        ("AlterObjectSchemaStmt", "relation"), ("GrantStmt", "objects"), ("CreateForeignTableStmt", "base"),
        ("ReindexStmt", "relation"), ("AlterOwnerStmt", "relation"), ("CreateStatsStmt", "relations"),
    ];

    // A Node* field holds {"TypeName": {…}}: one property named after the node's type, which
    // starts with an upper-case letter (SelectStmt, RangeVar, A_Const); field names do not.
    private static bool IsWrappedNode(JsonElement value, out string name, out JsonElement body)
    {
        name = string.Empty;
        body = default;
        var count = 0;
        foreach (var property in value.EnumerateObject())
        {
            if (++count > 1)
            {
                return false;
            }

            name = property.Name;
            body = property.Value;
        }

        return count == 1 && name.Length > 0 && char.IsAsciiLetterUpper(name[0]) && body.ValueKind == JsonValueKind.Object;
    }
}
