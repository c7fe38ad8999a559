namespace OrleansGate.Proxy.Relay.Names;

/// <summary>
/// One state of the two namespaces: the prepared statements and portals by name, which
/// transaction made each portal, and the names whose state the gateway cannot tell (refused).
/// </summary>
internal sealed class NameTable
{
    private readonly Dictionary<string, PreparedStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Portal Portal, long Transaction)> _portals = new(StringComparer.Ordinal);
    private readonly HashSet<string> _uncertainPortals = new(StringComparer.Ordinal);

    /// <summary>Counts transactions: a portal remembers the one that made it.</summary>
    private long _transaction;

    public object? Get(Namespace ns, string name) =>
        ns == Namespace.Statement
            ? _statements.GetValueOrDefault(name)
            : _portals.TryGetValue(name, out var portal) ? portal.Portal : null;

    public bool IsUncertain(Namespace ns, string name) => ns == Namespace.Portal && _uncertainPortals.Contains(name);

    public void Apply(NameChange change)
    {
        if (change.Namespace == Namespace.Statement)
        {
            if (change.All)
            {
                _statements.Clear();
            }
            else if (change.Value is PreparedStatement statement)
            {
                _statements[change.Name] = statement;
            }
            else
            {
                _statements.Remove(change.Name);
            }

            return;
        }

        if (change.All)
        {
            _portals.Clear();
            _uncertainPortals.Clear();
        }
        else if (change.Value is Portal portal)
        {
            _portals[change.Name] = (portal, _transaction);
            _uncertainPortals.Remove(change.Name);
        }
        else
        {
            // CLOSE of a cursor the gateway lost track of: afterwards it is gone, whatever the answer.
            _portals.Remove(change.Name);
            _uncertainPortals.Remove(change.Name);
        }
    }

    public void MarkUncertain(Namespace ns, string name)
    {
        if (ns == Namespace.Portal)
        {
            _portals.Remove(name);
            _uncertainPortals.Add(name);
        }
    }

    public List<string> PortalsOfCurrentTransaction() =>
        _portals.Where(p => p.Value.Transaction == _transaction).Select(p => p.Key).ToList();

    /// <summary>
    /// The transaction ended: portals that are not WITH HOLD are gone; holdable ones it made
    /// persist if it committed, and are uncertain if it may have rolled back. True when anything changed.
    /// </summary>
    public bool EndTransaction(bool mayHaveRolledBack)
    {
        var changed = false;
        foreach (var (name, (portal, transaction)) in _portals.ToArray())
        {
            if (!portal.Holdable)
            {
                _portals.Remove(name);
                changed = true;
            }
            else if (transaction == _transaction && mayHaveRolledBack)
            {
                MarkUncertain(Namespace.Portal, name);
                changed = true;
            }
        }

        _transaction++;
        return changed;
    }

    /// <summary>
    /// Makes this table hold what <paramref name="source"/> holds, reusing its own collections: the
    /// expected state is rebuilt from the confirmed one after most statements (a transaction's end
    /// drops the unnamed portal), and a copy each time would allocate three collections per statement.
    /// </summary>
    public void ResetTo(NameTable source)
    {
        _transaction = source._transaction;
        _statements.Clear();
        foreach (var (name, statement) in source._statements)
        {
            _statements[name] = statement;
        }

        _portals.Clear();
        foreach (var (name, portal) in source._portals)
        {
            _portals[name] = portal;
        }

        _uncertainPortals.Clear();
        _uncertainPortals.UnionWith(source._uncertainPortals);
    }
}
