namespace OrleansGate.Grains.Statements;

/// <summary>How the gateway compares the dotted names PostgreSQL accepts for tables and functions.</summary>
public static class SqlNames
{
    /// <summary>The last part: pg_catalog.pg_read_file is pg_read_file.</summary>
    public static string Unqualified(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot < 0 ? name : name[(dot + 1)..];
    }

    /// <summary>db.schema.f is schema.f: a catalog part can only name the current database.</summary>
    public static string WithoutCatalog(string name) =>
        name.Split('.') is { Length: > 2 } parts ? string.Join('.', parts[^2..]) : name;
}
