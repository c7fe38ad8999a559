using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Relay.Names;

/// <summary>The server's two namespaces: prepared statements (SQL PREPARE and protocol Parse), and portals (SQL cursors and protocol portals).</summary>
internal enum Namespace
{
    Statement,
    Portal,
}

/// <summary>A prepared statement: the text it was prepared from, and what it runs.</summary>
internal sealed record PreparedStatement(string Sql, StatementInfo Runs, IReadOnlyList<uint> ParameterTypes);

/// <summary>
/// A portal — a protocol portal made by Bind, or a cursor made by DECLARE — and what executing
/// or fetching from it runs, with the Bind's parameters as recorded.
/// </summary>
internal sealed record Portal(StatementInfo Runs, IReadOnlyList<string?> Parameters, bool Holdable);

/// <summary>
/// One change to a namespace the server makes when it carries out a message or statement:
/// <see cref="Value"/> is the new object (null: the name is removed; with an empty name and
/// <see cref="All"/>, every name of the namespace is).
/// </summary>
internal sealed record NameChange(Namespace Namespace, string Name, object? Value, bool All = false)
{
    /// <summary>Takes effect when the server reaches it, whatever it answers (a Query drops the unnamed statement and portal first).</summary>
    public bool Unconditional { get; init; }

    /// <summary>For a change made by a SQL statement: the statement's sequence number, confirmed by its CommandComplete. 0: a protocol message's, confirmed by ParseComplete, BindComplete or CloseComplete.</summary>
    public long Sequence { get; init; }

    public static NameChange RemoveAll(Namespace ns) => new(ns, string.Empty, null, All: true);
}
