using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Sql;

/// <summary>Maps parse-tree node names (PostgreSQL's <c>nodes/parsenodes.h</c>) to statement kinds.</summary>
internal static class StatementKinds
{
    private static readonly Dictionary<string, StatementKind> ByCommand = new(StringComparer.Ordinal)
    {
        ["SelectStmt"] = StatementKind.Select,
        ["InsertStmt"] = StatementKind.Insert,
        ["UpdateStmt"] = StatementKind.Update,
        ["DeleteStmt"] = StatementKind.Delete,
        ["MergeStmt"] = StatementKind.Merge,
        ["TransactionStmt"] = StatementKind.Transaction,
        ["DoStmt"] = StatementKind.Do,
        ["CallStmt"] = StatementKind.Call,
        ["ListenStmt"] = StatementKind.Listen,
        ["UnlistenStmt"] = StatementKind.Listen,
        ["NotifyStmt"] = StatementKind.Notify,
        ["LockStmt"] = StatementKind.Lock,
        ["TruncateStmt"] = StatementKind.Truncate,
        ["GrantStmt"] = StatementKind.Grant,
        ["GrantRoleStmt"] = StatementKind.Grant,
        ["CreateRoleStmt"] = StatementKind.Grant,
        ["AlterRoleStmt"] = StatementKind.Grant,
        ["AlterRoleSetStmt"] = StatementKind.Grant,
        ["DropRoleStmt"] = StatementKind.Grant,
        ["AlterDefaultPrivilegesStmt"] = StatementKind.Grant,
        ["ReassignOwnedStmt"] = StatementKind.Grant,
        ["DropOwnedStmt"] = StatementKind.Grant,
        ["CreateUserMappingStmt"] = StatementKind.Grant,
        ["AlterUserMappingStmt"] = StatementKind.Grant,
        ["DropUserMappingStmt"] = StatementKind.Grant,
    };

    // Schema-changing statements whose node name does not start with Create/Alter/Drop.
    private static readonly HashSet<string> OtherDdl = new(StringComparer.Ordinal)
    {
        "RenameStmt", "CommentStmt", "SecLabelStmt", "IndexStmt", "ViewStmt", "RuleStmt", "DefineStmt",
        "CompositeTypeStmt", "RefreshMatViewStmt", "ReindexStmt", "ClusterStmt", "ImportForeignSchemaStmt",
        "CreatedbStmt", "DropdbStmt", "AlterOwnerStmt", "AlterObjectSchemaStmt", "AlterObjectDependsStmt",
        "AlterSystemStmt",
    };

    public static StatementKind ForCommand(string command)
    {
        if (ByCommand.TryGetValue(command, out var kind))
        {
            return kind;
        }

        if (OtherDdl.Contains(command)
            || command.StartsWith("Create", StringComparison.Ordinal)
            || command.StartsWith("Alter", StringComparison.Ordinal)
            || command.StartsWith("Drop", StringComparison.Ordinal))
        {
            return StatementKind.Ddl;
        }

        // SHOW, DISCARD, CHECKPOINT, LOAD, SET CONSTRAINTS, …
        return StatementKind.Other;
    }

    /// <summary>Statements that run when they appear inside another (CTE, INSERT … SELECT, PREPARE, DECLARE).</summary>
    public static StatementKind? ForNestedStatement(string node) => node switch
    {
        "SelectStmt" => StatementKind.Select,
        "InsertStmt" => StatementKind.Insert,
        "UpdateStmt" => StatementKind.Update,
        "DeleteStmt" => StatementKind.Delete,
        "MergeStmt" => StatementKind.Merge,
        "ExecuteStmt" => StatementKind.Execute,
        _ => null,
    };
}
