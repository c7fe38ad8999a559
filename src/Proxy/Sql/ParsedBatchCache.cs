using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Least-recently-used cache of parsed batches keyed by their exact SQL text: clients repeat the
/// same texts, so each distinct text is parsed once. Bounded in entries and in text size.
/// </summary>
internal sealed class ParsedBatchCache(int capacity)
{
    /// <summary>Texts longer than this (bulk INSERTs with literal values) are parsed each time instead.</summary>
    private const int MaxCachedTextLength = 16 * 1024;

    private readonly Dictionary<string, LinkedListNode<(string Sql, IReadOnlyList<StatementInfo> Statements)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Sql, IReadOnlyList<StatementInfo> Statements)> _recency = new();
    private readonly Lock _lock = new();

    public bool TryGet(string sql, out IReadOnlyList<StatementInfo> statements)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(sql, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                statements = node.Value.Statements;
                return true;
            }
        }

        statements = [];
        return false;
    }

    public void Add(string sql, IReadOnlyList<StatementInfo> statements)
    {
        if (capacity <= 0 || sql.Length > MaxCachedTextLength)
        {
            return;
        }

        lock (_lock)
        {
            if (_entries.ContainsKey(sql))
            {
                return;
            }

            _entries[sql] = _recency.AddFirst((sql, statements));
            if (_entries.Count > capacity)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Sql);
            }
        }
    }
}
