namespace OrleansGate.Proxy.Relay.Names;

/// <summary>
/// The session's prepared statements and portals as the server has them, so that EXECUTE, FETCH,
/// Bind and Execute are decided as what they will really run. PostgreSQL keeps two namespaces,
/// which SQL and the protocol share; it creates a name only when the statement or message that
/// creates it succeeds, drops names on DEALLOCATE, CLOSE, Close, DISCARD ALL, a simple Query (the
/// unnamed statement and portal), and at the end of a transaction (portals that are not WITH
/// HOLD, and holdable cursors of a transaction that rolled back). Here a change counts only once
/// the server confirms it.
/// </summary>
/// <remarks>
/// Requests are decided before the replies to earlier ones arrive, so lookups see the
/// <em>expected</em> state: what the server confirmed, then every forwarded change not yet
/// confirmed, in order. Where a change may still fail and leave an older object under the name
/// (creating over a name in use, the unnamed portal's Bind), a lookup from a later request is
/// refused until the server answers; so is a name whose state the gateway lost track of
/// (<see cref="Lookup.Uncertain"/>).
/// </remarks>
internal sealed class SessionNames
{
    private readonly Lock _lock = new();
    private readonly NameTable _confirmed = new();
    private readonly List<Pending> _pending = [];
    private readonly NameTable _expected = new();

    // The transaction in progress (since the last ReadyForQuery 'I') has seen an error or a ROLLBACK.
    private bool _transactionRolledBack;

    /// <summary>A forwarded change, with the request (group of messages up to Sync) that made it.</summary>
    private sealed record Pending(NameChange Change, long Group, bool MayLeaveOlder)
    {
        public bool Confirmed { get; set; }
    }

    /// <summary>What a name holds for the request <paramref name="group"/>, or why it cannot be used.</summary>
    internal readonly record struct Lookup(object? Value, bool Uncertain);

    public Lookup Find(Namespace ns, string name, long group)
    {
        lock (_lock)
        {
            if (_expected.IsUncertain(ns, name))
            {
                return new Lookup(null, true);
            }

            // A change an earlier request made that may fail and leave another object behind.
            foreach (var pending in _pending)
            {
                if (!pending.Confirmed && pending.Group != group && pending.MayLeaveOlder && Touches(pending.Change, ns, name))
                {
                    return new Lookup(null, true);
                }
            }

            return new Lookup(_expected.Get(ns, name), false);
        }
    }

    /// <summary>True when the name is in use (as expected); a creation over it fails on the server.</summary>
    public bool InUse(Namespace ns, string name)
    {
        lock (_lock)
        {
            return _expected.Get(ns, name) is not null || _expected.IsUncertain(ns, name);
        }
    }

    /// <summary>The changes of a request that went upstream, in the order the server will carry them out.</summary>
    public void Forwarded(IReadOnlyList<NameChange> changes, long group)
    {
        if (changes.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var change in changes)
            {
                // Creating over a name in use fails (or, for the unnamed portal, may fail before the old one is dropped).
                var mayLeaveOlder = change.Value is not null
                                    && (_expected.Get(change.Namespace, change.Name) is not null || _expected.IsUncertain(change.Namespace, change.Name));
                _pending.Add(new Pending(change, group, mayLeaveOlder));
                _expected.Apply(change);
            }

            ConfirmUnconditional();
        }
    }

    /// <summary>ParseComplete, BindComplete or CloseComplete: the oldest protocol change waiting for one is carried out.</summary>
    public void ConfirmMessage()
    {
        lock (_lock)
        {
            var next = _pending.Find(p => !p.Confirmed && p.Change is { Unconditional: false, Sequence: 0 });
            if (next is not null)
            {
                Confirm(next);
            }
        }
    }

    /// <summary>CommandComplete of the statement <paramref name="sequence"/>: its changes are carried out.</summary>
    public void ConfirmStatement(long sequence, string? commandTag)
    {
        lock (_lock)
        {
            foreach (var pending in _pending)
            {
                if (sequence > 0 && !pending.Confirmed && pending.Change.Sequence == sequence)
                {
                    Confirm(pending);
                }
            }

            if (commandTag is "COMMIT" or "PREPARE TRANSACTION")
            {
                // Also COMMIT AND CHAIN, after which the session stays in a transaction: the
                // transaction that made the portals ended all the same.
                if (_confirmed.EndTransaction(_transactionRolledBack))
                {
                    Rebuild();
                }

                _transactionRolledBack = false;
            }

            if (commandTag is "ROLLBACK")
            {
                // ROLLBACK, or ROLLBACK TO SAVEPOINT: cursors declared since may be gone, or not.
                _transactionRolledBack = true;
                foreach (var name in _confirmed.PortalsOfCurrentTransaction())
                {
                    _confirmed.MarkUncertain(Namespace.Portal, name);
                }

                Rebuild();
            }
        }
    }

    /// <summary>A statement of the current transaction failed: it will roll back.</summary>
    public void Failed()
    {
        lock (_lock)
        {
            _transactionRolledBack = true;
        }
    }

    /// <summary>
    /// ReadyForQuery for the request <paramref name="group"/>: its changes the server did not carry
    /// out are dropped; at the end of a transaction (<paramref name="status"/> 'I') its portals go.
    /// </summary>
    public void Finished(long group, byte status)
    {
        lock (_lock)
        {
            var dropped = RemovePending(group, unconfirmedOnly: true);
            ConfirmUnconditional();
            RemovePending(group, unconfirmedOnly: false);
            var ended = status == (byte)'I' && _confirmed.EndTransaction(_transactionRolledBack);
            if (status == (byte)'I')
            {
                _transactionRolledBack = false;
            }

            if (dropped > 0 || ended)
            {
                Rebuild();
            }
        }
    }

    /// <summary>
    /// Removes the changes of requests up to <paramref name="group"/> (with <paramref name="unconfirmedOnly"/>,
    /// those the server did not carry out) and counts them. A loop rather than RemoveAll with a
    /// lambda over the group: this runs at every ReadyForQuery.
    /// </summary>
    private int RemovePending(long group, bool unconfirmedOnly)
    {
        var kept = 0;
        for (var i = 0; i < _pending.Count; i++)
        {
            var pending = _pending[i];
            var remove = pending.Group <= group && (!unconfirmedOnly || (!pending.Confirmed && !pending.Change.Unconditional));
            if (!remove)
            {
                _pending[kept++] = pending;
            }
        }

        var removed = _pending.Count - kept;
        _pending.RemoveRange(kept, removed);
        return removed;
    }

    private void Confirm(Pending pending)
    {
        pending.Confirmed = true;
        _confirmed.Apply(pending.Change);
        ConfirmUnconditional();
    }

    // A Query's drop of the unnamed statement and portal happens when the server reaches it: once
    // every change before it is carried out or dropped.
    private void ConfirmUnconditional()
    {
        foreach (var pending in _pending)
        {
            if (pending.Confirmed)
            {
                continue;
            }

            if (!pending.Change.Unconditional)
            {
                return;
            }

            pending.Confirmed = true;
            _confirmed.Apply(pending.Change);
        }
    }

    private void Rebuild()
    {
        _expected.ResetTo(_confirmed);
        foreach (var pending in _pending)
        {
            if (!pending.Confirmed)
            {
                _expected.Apply(pending.Change);
            }
        }
    }

    private static bool Touches(NameChange change, Namespace ns, string name) =>
        change.Namespace == ns && (change.All || change.Name == name);
}
