using OrleansGate.Grains.Masking;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Lays the result columns a decision resolved over the columns the server actually sends. A
/// run (a star over a relation whose columns the gateway does not know) stands for any number of
/// columns; with at most one run the layout is fixed by the count, otherwise it is ambiguous.
/// </summary>
internal static class ResultLayout
{
    /// <summary>The rule of each of <paramref name="count"/> columns, or null when the resolved columns cannot be matched to them.</summary>
    public static int[]? Align(IReadOnlyList<ResultColumn> resolved, int count)
    {
        if (resolved.Count == 0)
        {
            return null;
        }

        var runs = 0;
        var fixedCount = 0;
        foreach (var column in resolved)
        {
            if (column.Run)
            {
                runs++;
            }
            else
            {
                fixedCount++;
            }
        }

        if (runs > 1 && resolved.All(c => c.Rule == resolved[0].Rule))
        {
            // Every column gets the same rule: where the runs split does not matter.
            return Enumerable.Repeat(resolved[0].Rule, count).ToArray();
        }

        if (runs > 1 || (runs == 0 && fixedCount != count) || fixedCount > count)
        {
            return null;
        }

        var rules = new int[count];
        var at = 0;
        foreach (var column in resolved)
        {
            var width = column.Run ? count - fixedCount : 1;
            for (var i = 0; i < width; i++)
            {
                rules[at++] = column.Rule;
            }
        }

        return rules;
    }
}
