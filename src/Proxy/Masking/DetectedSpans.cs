using System.Buffers;

namespace OrleansGate.Proxy.Masking;

/// <summary>Where a detector found a value: byte offsets into the UTF-8 text.</summary>
internal readonly record struct DetectedSpan(int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>
/// The spans found in one value, kept on the stack while there are few; more than that rent a
/// pooled array, so a value full of matches costs no garbage either.
/// </summary>
internal ref struct DetectedSpans
{
    private Span<DetectedSpan> _items;
    private DetectedSpan[]? _rented;

    public DetectedSpans(Span<DetectedSpan> initial)
    {
        _items = initial;
        Count = 0;
    }

    public int Count { get; private set; }

    public readonly ReadOnlySpan<DetectedSpan> Items => _items[..Count];

    public void Add(int start, int length)
    {
        if (Count == _items.Length)
        {
            var bigger = ArrayPool<DetectedSpan>.Shared.Rent(Math.Max(16, _items.Length * 2));
            _items.CopyTo(bigger);
            Return();
            _rented = bigger;
            _items = bigger;
        }

        _items[Count++] = new DetectedSpan(start, length);
    }

    /// <summary>Orders the spans and joins overlapping ones (two detectors claiming the same digits, say).</summary>
    public void SortAndMerge()
    {
        if (Count < 2)
        {
            return;
        }

        _items[..Count].Sort(static (a, b) => a.Start.CompareTo(b.Start));
        var kept = 0;
        for (var i = 1; i < Count; i++)
        {
            var last = _items[kept];
            var next = _items[i];
            if (next.Start < last.End)
            {
                _items[kept] = new DetectedSpan(last.Start, Math.Max(last.End, next.End) - last.Start);
            }
            else
            {
                _items[++kept] = next;
            }
        }

        Count = kept + 1;
    }

    public void Dispose() => Return();

    private readonly void Return()
    {
        if (_rented is not null)
        {
            ArrayPool<DetectedSpan>.Shared.Return(_rented);
        }
    }
}
