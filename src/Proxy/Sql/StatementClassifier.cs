using System.Text.Json;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Builds a <see cref="StatementInfo"/> from one statement of libpg_query's JSON parse tree
/// (<c>{"SelectStmt": {…}}</c>). It walks the whole tree, so a function or a relation is found
/// wherever it hides: CTEs, subqueries, LATERAL, DEFAULT expressions, COPY's query.
/// </summary>
internal sealed class StatementClassifier
{
    private readonly List<StatementKind> _kinds = [];
    private readonly SortedSet<string> _read = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _written = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _functions = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _columns = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _valueColumns = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _predicateColumns = new(StringComparer.Ordinal);
    private bool _wholeRowInValue;
    private readonly List<string> _bareInValue = [];
    private readonly List<string> _bareInPredicate = [];
    private bool _wholeRowInPredicate;
    private bool _positionalSortOrGroup;
    private readonly HashSet<string> _rowNames = new(StringComparer.Ordinal);
    private readonly List<string> _bareColumnRefs = [];
    private bool _star;
    private bool _dataModifyingCte;
    private bool _unboundedWrite;
    private string? _setting;
    private string? _settingValue;
    private readonly List<SettingChange> _settingChanges = [];

    private StatementClassifier()
    {
    }

    public static StatementInfo Classify(JsonElement statement, string sql, string fingerprint)
    {
        var classifier = new StatementClassifier();
        var (command, body) = NodeOf(statement);
        var shape = classifier.ClassifyTop(command, body);
        classifier.VisitValue(statement, string.Empty, written: false, ColumnUse.Value, depth: 0);

        var kinds = new List<StatementKind> { shape.Kind };
        foreach (var kind in classifier._kinds)
        {
            if (!kinds.Contains(kind) && !(shape.Kind == StatementKind.Explain && !shape.ExplainRuns))
            {
                kinds.Add(kind);
            }
        }

        kinds.AddRange(shape.ExtraKinds.Where(k => !kinds.Contains(k)));

        return new StatementInfo
        {
            Kind = shape.Kind,
            Kinds = kinds.ToArray(),
            Command = command,
            Sql = sql,
            Fingerprint = fingerprint,
            RelationsRead = classifier._read.Except(classifier._written).ToArray(),
            RelationsWritten = classifier._written.ToArray(),
            Functions = classifier._functions.ToArray(),
            Columns = classifier._columns.ToArray(),
            ReadsWholeRows = classifier._star || classifier._bareColumnRefs.Exists(classifier._rowNames.Contains),
            ValueColumns = classifier._valueColumns.ToArray(),
            PredicateColumns = classifier._positionalSortOrGroup
                ? classifier._predicateColumns.Union(classifier._valueColumns).ToArray()
                : classifier._predicateColumns.ToArray(),
            WholeRowInValue = classifier.WholeRowIn(classifier._wholeRowInValue, classifier._bareInValue),
            WholeRowInPredicate = classifier.WholeRowIn(classifier._wholeRowInPredicate, classifier._bareInPredicate)
                                  || (classifier._positionalSortOrGroup && classifier.WholeRowIn(classifier._wholeRowInValue, classifier._bareInValue)),
            HasDataModifyingCte = classifier._dataModifyingCte,
            CreatesTableFromQuery = shape.CreatesTable,
            Copy = shape.Copy,
            CopyColumns = shape.CopyColumns,
            CopyRelation = shape.CopyRelation,
            CopyOptions = shape.CopyOptions,
            PlainColumnsOnly = shape.PlainColumnsOnly,
            HasLimit = command == "SelectStmt" && HasLimitValue(body),
            UnboundedWrite = classifier._unboundedWrite || IsUnboundedWrite(command, body),
            Setting = shape.Setting ?? classifier._setting,
            SettingValue = shape.SettingValue ?? classifier._settingValue,
            ObjectName = shape.ObjectName,
            SettingChanges = classifier._settingChanges.ToArray(),
            HasOpaqueBody = command == "CreateFunctionStmt" && body.TryGetProperty("options", out var functionOptions)
                            && functionOptions.EnumerateArray().Any(o => NodeOf(o) is ("DefElem", var d) && String(d, "defname") == "as"),
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

    private bool WholeRowIn(bool starOrRowFunction, List<string> bareNames) => starOrRowFunction || bareNames.Exists(_rowNames.Contains);

    /// <summary>Where in a statement a column reference sits.</summary>
    private enum ColumnUse
    {
        /// <summary>It produces a value: the target list, SET, VALUES, a function's argument.</summary>
        Value,
        /// <summary>It filters, joins, sorts or groups.</summary>
        Predicate,
        /// <summary>RETURNING: a value sent back to the client, not stored anywhere.</summary>
        Returning,
    }

    private sealed record Shape(StatementKind Kind)
    {
        public CopyEndpoint Copy { get; init; }
        public bool CreatesTable { get; init; }
        public bool ExplainRuns { get; init; }
        public string? Setting { get; init; }
        public string? SettingValue { get; init; }
        public string? ObjectName { get; init; }
        public StatementKind[] ExtraKinds { get; init; } = [];
        public string[] CopyColumns { get; init; } = [];
        public string? CopyRelation { get; init; }
        public CopyOption[] CopyOptions { get; init; } = [];
        public bool PlainColumnsOnly { get; init; }
    }

    // SELECT a, t.b, t.* FROM …: every result column is a column of a relation, with its origin.
    private static bool IsPlainColumnList(JsonElement select)
    {
        if (select.TryGetProperty("larg", out _) || !select.TryGetProperty("targetList", out var targets))
        {
            return false;
        }

        foreach (var target in targets.EnumerateArray())
        {
            if (NodeOf(target) is not ("ResTarget", var resTarget) || !resTarget.TryGetProperty("val", out var value)
                || NodeOf(value).Name != "ColumnRef")
            {
                return false;
            }
        }

        return true;
    }

    private static CopyOption[] CopyOptionsOf(JsonElement copy)
    {
        if (!copy.TryGetProperty("options", out var options))
        {
            return [];
        }

        return options.EnumerateArray()
            .Select(NodeOf)
            .Where(o => o.Name == "DefElem")
            .Select(o => new CopyOption(String(o.Body, "defname") ?? string.Empty, ArgumentText(o.Body)))
            .ToArray();
    }

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
            ("List", var b) when b.TryGetProperty("items", out var items) =>
                string.Join(',', items.EnumerateArray().Select(x => NodeOf(x) is ("String", var c) ? String(c, "sval") : null)),
            _ => arg.GetRawText(),
        };
    }

    private Shape ClassifyTop(string command, JsonElement body)
    {
        switch (command)
        {
            case "SelectStmt":
                var into = body.TryGetProperty("intoClause", out _);
                return new Shape(StatementKind.Select)
                {
                    CreatesTable = into, ExtraKinds = into ? [StatementKind.Ddl] : [], PlainColumnsOnly = IsPlainColumnList(body),
                };
            case "InsertStmt": return new Shape(StatementKind.Insert);
            case "UpdateStmt": return new Shape(StatementKind.Update);
            case "DeleteStmt": return new Shape(StatementKind.Delete);
            case "MergeStmt": return new Shape(StatementKind.Merge);
            case "CopyStmt":
                var from = Bool(body, "is_from");
                var endpoint = Bool(body, "is_program") ? CopyEndpoint.Program
                    : body.TryGetProperty("filename", out _) ? CopyEndpoint.ServerFile
                    : CopyEndpoint.Client;
                return new Shape(from ? StatementKind.CopyFrom : StatementKind.CopyTo)
                {
                    Copy = endpoint,
                    CopyRelation = body.TryGetProperty("relation", out var copied) ? QualifiedName(copied) : null,
                    CopyColumns = body.TryGetProperty("attlist", out var attlist)
                        ? attlist.EnumerateArray().Select(a => NodeOf(a) is ("String", var c) ? String(c, "sval") ?? string.Empty : string.Empty).ToArray()
                        : [],
                    CopyOptions = CopyOptionsOf(body),
                };
            case "CreateTableAsStmt":
                return new Shape(StatementKind.Ddl) { CreatesTable = true };
            case "VariableSetStmt":
                var reset = String(body, "kind") is "VAR_RESET" or "VAR_RESET_ALL";
                return new Shape(reset ? StatementKind.Reset : StatementKind.Set)
                {
                    Setting = String(body, "name")?.ToLowerInvariant() ?? (reset ? "all" : null),
                    SettingValue = FirstConstant(body, "args"),
                };
            case "AlterSystemStmt":
                return new Shape(StatementKind.Ddl) { Setting = body.TryGetProperty("setstmt", out var set) ? String(set, "name")?.ToLowerInvariant() : null };
            case "ExplainStmt":
                var analyze = body.TryGetProperty("options", out var options) && options.EnumerateArray()
                    .Any(o => NodeOf(o) is ("DefElem", var d) && String(d, "defname") == "analyze" && !IsFalse(d));
                if (analyze && body.TryGetProperty("query", out var inner))
                {
                    var innerShape = ClassifyTop(NodeOf(inner).Name, NodeOf(inner).Body);
                    return innerShape with { ExplainRuns = true, ExtraKinds = [.. innerShape.ExtraKinds, StatementKind.Explain] };
                }

                return new Shape(StatementKind.Explain);
            case "PrepareStmt": return new Shape(StatementKind.Prepare) { ObjectName = String(body, "name") };
            case "ExecuteStmt": return new Shape(StatementKind.Execute) { ObjectName = String(body, "name") };
            case "DeallocateStmt": return new Shape(StatementKind.Deallocate) { ObjectName = String(body, "name") };
            case "DeclareCursorStmt": return new Shape(StatementKind.Declare) { ObjectName = String(body, "portalname") };
            case "FetchStmt": return new Shape(StatementKind.Fetch) { ObjectName = String(body, "portalname") };
            case "ClosePortalStmt": return new Shape(StatementKind.Close) { ObjectName = String(body, "portalname") };
            case "VacuumStmt":
                return new Shape(Bool(body, "is_vacuumcmd") ? StatementKind.Vacuum : StatementKind.Analyze);
            default:
                return new Shape(StatementKinds.ForCommand(command));
        }
    }

    private void VisitValue(JsonElement value, string owner, bool written, ColumnUse use, int depth)
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
                    VisitValue(item, owner, written, use, depth + 1);
                }

                return;
            case JsonValueKind.Object when IsWrappedNode(value, out var name, out var body):
                VisitNode(name, body, written, use, depth + 1);
                return;
            case JsonValueKind.Object when value.TryGetProperty("kind", out var setKind) && setKind.ValueKind == JsonValueKind.String
                                           && setKind.GetString()!.StartsWith("VAR_", StringComparison.Ordinal):
                // A VariableSetStmt held bare (ALTER ROLE … SET, ALTER SYSTEM, a function's SET clause).
                RecordSettingChange(value);
                VisitFields("VariableSetStmt", value, use, depth);
                return;
            case JsonValueKind.Object when value.TryGetProperty("relname", out _):
                // A field typed RangeVar* (DeleteStmt.relation) holds the struct without its node name.
                RecordRelation(value, written);
                return;
            case JsonValueKind.Object:
                VisitFields(owner, value, use, depth);
                return;
            default:
                return;
        }
    }

    private void VisitNode(string name, JsonElement body, bool written, ColumnUse use, int depth)
    {
        switch (name)
        {
            case "RangeVar":
                RecordRelation(body, written);
                return;
            case "VariableSetStmt":
                RecordSettingChange(body);
                break;
            case "RangeSubselect" or "RangeFunction":
                if (body.TryGetProperty("alias", out var subAlias) && String(subAlias, "aliasname") is { } subName)
                {
                    _rowNames.Add(subName);
                }

                break;
            case "FuncCall":
                var function = SqlNames.WithoutCatalog(NameList(body, "funcname"));
                _functions.Add(function);
                switch (SqlNames.Unqualified(function))
                {
                    case "set_config":
                        _setting ??= ConstantArgument(body, "args", 0)?.ToLowerInvariant() ?? StatementInfo.UnknownSetting;
                        _settingValue ??= ConstantArgument(body, "args", 1);
                        _settingChanges.Add(new SettingChange(
                            ConstantArgument(body, "args", 0)?.ToLowerInvariant() ?? StatementInfo.UnknownSetting,
                            ConstantArgument(body, "args", 1), IsReset: false));
                        _kinds.Add(StatementKind.Set);
                        break;
                    case "pg_notify":
                        _kinds.Add(StatementKind.Notify);
                        break;
                }

                break;
            case "ColumnRef":
                VisitColumnRef(body, use);
                return;
            case "JoinExpr":
                // JOIN … USING (ssn) and NATURAL JOIN compare columns named only as strings, or not at all.
                if (body.TryGetProperty("usingClause", out var usingClause))
                {
                    foreach (var item in usingClause.EnumerateArray())
                    {
                        if (NodeOf(item) is ("String", var column) && String(column, "sval") is { } columnName)
                        {
                            _columns.Add(columnName);
                            _predicateColumns.Add(columnName);
                        }
                    }
                }

                if (Bool(body, "isNatural"))
                {
                    _wholeRowInPredicate = true;
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

        VisitFields(name, body, use, depth);
    }

    private void VisitFields(string owner, JsonElement body, ColumnUse use, int depth)
    {
        foreach (var field in body.EnumerateObject())
        {
            // Unwrapped structs are named by the field that holds them; only IntoClause matters here.
            var fieldOwner = field.Name is "intoClause" or "into" ? "IntoClause" : owner;
            var written = WrittenSlots.Contains((owner, field.Name))
                || (owner == "CopyStmt" && field.Name == "relation" && Bool(body, "is_from"));
            var fieldUse = UseOf(field.Name, use);
            if (fieldUse == ColumnUse.Predicate && field.Name is "sortClause" or "groupClause" or "distinctClause"
                && HasPositionalReference(field.Value))
            {
                _positionalSortOrGroup = true;
            }

            VisitValue(field.Value, fieldOwner, written, fieldUse, depth + 1);
        }
    }

    /// <summary>
    /// How a column reference under <paramref name="field"/> is used. Everything inside a filter,
    /// a join condition, a sort, a grouping or a window stays a predicate use however deep —
    /// the target list of a subquery in WHERE only feeds the filter.
    /// </summary>
    private static ColumnUse UseOf(string field, ColumnUse outer) => outer switch
    {
        ColumnUse.Predicate => ColumnUse.Predicate,
        _ when PredicateFields.Contains(field) => ColumnUse.Predicate,
        _ when field == "returningList" => ColumnUse.Returning,
        _ => outer,
    };

    /// <summary>Fields whose expressions decide which rows are returned or in what order, not what they hold.</summary>
    private static readonly HashSet<string> PredicateFields = new(StringComparer.Ordinal)
    {
        "whereClause", "havingClause", "groupClause", "sortClause", "distinctClause", "windowClause",
        "partitionClause", "orderClause", "quals", "joinCondition", "condition", "agg_filter",
    };

    // ORDER BY 2 / GROUP BY 1 name an output column by its position.
    private static bool HasPositionalReference(JsonElement list)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var item in list.EnumerateArray())
        {
            var (name, body) = NodeOf(item);
            var expression = name == "SortBy" && body.TryGetProperty("node", out var sortNode) ? sortNode : item;
            if (NodeOf(expression) is ("A_Const", var constant) && constant.TryGetProperty("ival", out _))
            {
                return true;
            }
        }

        return false;
    }

    private void RecordRelation(JsonElement rangeVar, bool written)
    {
        (written ? _written : _read).Add(QualifiedName(rangeVar));
        _rowNames.Add(String(rangeVar, "relname") ?? string.Empty);
        if (rangeVar.TryGetProperty("alias", out var alias) && String(alias, "aliasname") is { } aliasName)
        {
            _rowNames.Add(aliasName);
        }
    }

    private void RecordSettingChange(JsonElement variableSet)
    {
        var kind = String(variableSet, "kind");
        var reset = kind is "VAR_RESET" or "VAR_RESET_ALL";
        var name = String(variableSet, "name")?.ToLowerInvariant() ?? (reset ? "all" : StatementInfo.UnknownSetting);
        _settingChanges.Add(new SettingChange(name, FirstConstant(variableSet, "args"), reset));
    }

    private void VisitColumnRef(JsonElement body, ColumnUse use)
    {
        if (!body.TryGetProperty("fields", out var fields))
        {
            return;
        }

        var parts = new List<string>();
        foreach (var field in fields.EnumerateArray())
        {
            switch (NodeOf(field))
            {
                case ("String", var s):
                    parts.Add(String(s, "sval") ?? string.Empty);
                    break;
                case ("A_Star", _):
                    _star = true;
                    parts.Add("*");
                    break;
            }
        }

        var column = string.Join('.', parts);
        _columns.Add(column);
        switch (use)
        {
            case ColumnUse.Predicate:
                _predicateColumns.Add(column);
                break;
            case ColumnUse.Value:
                _valueColumns.Add(column);
                break;
        }

        // t.*, *, or c.row_to_json: a whole row. A bare name may be a column or a row (SELECT c FROM
        // customers c); which one is only known once every relation of the statement is seen.
        var bare = parts.Count == 1 && parts[0] != "*";
        var wholeRow = parts[^1] == "*" || (parts.Count >= 2 && WholeRowFunctions.Contains(parts[^1]));
        if (use != ColumnUse.Returning)
        {
            if (bare)
            {
                (use == ColumnUse.Predicate ? _bareInPredicate : _bareInValue).Add(parts[0]);
            }
            else if (wholeRow && use == ColumnUse.Predicate)
            {
                _wholeRowInPredicate = true;
            }
            else if (wholeRow)
            {
                _wholeRowInValue = true;
            }
        }

        if (parts.Count >= 2 && WholeRowFunctions.Contains(parts[^1]))
        {
            // Attribute notation: c.row_to_json is row_to_json(c), a call on the whole row.
            _functions.Add(parts[^1]);
            _star = true;
        }

        if (parts.Count == 1 && parts[0] != "*")
        {
            _bareColumnRefs.Add(parts[0]);
        }
    }

    // DROP TABLE names its tables as name lists rather than RangeVars.
    private void RecordDroppedRelations(JsonElement body)
    {
        if (String(body, "removeType") is not ("OBJECT_TABLE" or "OBJECT_VIEW" or "OBJECT_MATVIEW" or "OBJECT_SEQUENCE" or "OBJECT_FOREIGN_TABLE" or "OBJECT_INDEX")
            || !body.TryGetProperty("objects", out var objects))
        {
            return;
        }

        foreach (var item in objects.EnumerateArray())
        {
            if (NodeOf(item) is ("List", var list))
            {
                _written.Add(NameList(list, "items"));
            }
        }
    }

    /// <summary>Functions of a whole row that SQL can also call as c.f (attribute notation).</summary>
    private static readonly HashSet<string> WholeRowFunctions = new(StringComparer.Ordinal)
    {
        "row_to_json", "to_json", "to_jsonb", "hstore", "row_to_jsonb", "json_strip_nulls", "jsonb_strip_nulls",
    };

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

    internal static (string Name, JsonElement Body) NodeOf(JsonElement node)
    {
        if (node.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in node.EnumerateObject())
            {
                return (property.Name, property.Value);
            }
        }

        return (string.Empty, node);
    }

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

    private static string QualifiedName(JsonElement rangeVar)
    {
        var relname = String(rangeVar, "relname") ?? string.Empty;
        var schema = String(rangeVar, "schemaname");
        var catalog = String(rangeVar, "catalogname");
        // A catalog part can only name the current database, so it is dropped: billing.cards and
        // shop.billing.cards are the same table to a policy.
        _ = catalog;
        return schema is not null ? $"{schema}.{relname}" : relname;
    }

    private static string NameList(JsonElement body, string field)
    {
        if (!body.TryGetProperty(field, out var list))
        {
            return string.Empty;
        }

        return string.Join('.', list.EnumerateArray()
            .Select(NodeOf)
            .Where(n => n.Name == "String")
            .Select(n => String(n.Body, "sval") ?? string.Empty));
    }

    private static string? FirstConstant(JsonElement body, string field) => ConstantArgument(body, field, 0);

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

    private static string? String(JsonElement body, string field) =>
        body.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement body, string field) =>
        body.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.True;
}

/// <summary>The parse tree is deeper than the gateway is willing to inspect; the statement is refused.</summary>
internal sealed class StatementTooDeepException : Exception
{
    public StatementTooDeepException()
        : base("statement is nested too deeply to inspect")
    {
    }
}
