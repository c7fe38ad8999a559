using System.Text.Json.Nodes;

namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// What changed between two policy documents, as lines a person reads in the console and in the
/// audit record: per policy, each mask (by column) and rule (by name) added, removed or changed —
/// with the keys that changed, old and new — and rules that moved (order decides: first match wins).
/// </summary>
/// <example>
/// <code>
/// policy 'shop': rule 'no-deletes' added: {"Name":"no-deletes","Kinds":["Delete"],"Action":"Block"}
/// policy 'shop': rule 'hold-copy' changed: MinApprovals 1 → 2
/// policy 'shop': mask 'public.customers.ssn' removed
/// </code>
/// </example>
public static class PolicyDiff
{
    /// <summary>The changes from <paramref name="before"/> (null: nothing) to <paramref name="after"/>, in document order.</summary>
    public static IReadOnlyList<string> Between(string? before, string after)
    {
        var old = Policies(before);
        var now = Policies(after);
        var lines = new List<string>();
        foreach (var (name, policy) in now)
        {
            if (!old.TryGetValue(name, out var previous))
            {
                lines.Add($"policy '{name}' added: {Compact(policy)}");
                continue;
            }

            var prefix = $"policy '{name}': ";
            Entries(prefix, "mask", "Column", previous["Masks"], policy["Masks"], lines, ordered: false);
            Entries(prefix, "rule", "Name", previous["Rules"], policy["Rules"], lines, ordered: true);
            var settings = Changed(Without(previous, "Masks", "Rules"), Without(policy, "Masks", "Rules"));
            if (settings.Count > 0)
            {
                lines.Add(prefix + "settings changed: " + string.Join("; ", settings));
            }
        }

        lines.AddRange(old.Keys.Where(name => !now.ContainsKey(name)).Select(name => $"policy '{name}' removed"));
        return lines;
    }

    private static void Entries(string prefix, string what, string key, JsonNode? before, JsonNode? after, List<string> lines, bool ordered)
    {
        var old = Keyed(before, key);
        var now = Keyed(after, key);
        var oldOrder = old.Keys.Where(now.ContainsKey).ToList();
        var newOrder = now.Keys.Where(old.ContainsKey).ToList();
        foreach (var (name, entry) in now)
        {
            if (!old.TryGetValue(name, out var previous))
            {
                lines.Add($"{prefix}{what} '{name}' added at {IndexOf(now, name) + 1}: {Compact(entry)}");
                continue;
            }

            var changed = Changed(previous, entry);
            if (changed.Count > 0)
            {
                lines.Add($"{prefix}{what} '{name}' changed: {string.Join("; ", changed)}");
            }

            if (ordered && oldOrder.IndexOf(name) != newOrder.IndexOf(name))
            {
                lines.Add($"{prefix}{what} '{name}' moved from {IndexOf(old, name) + 1} to {IndexOf(now, name) + 1}");
            }
        }

        lines.AddRange(old.Keys.Where(name => !now.ContainsKey(name)).Select(name => $"{prefix}{what} '{name}' removed"));
    }

    /// <summary>"Key old → new" for every top-level key whose value differs ("(none)" where absent).</summary>
    private static List<string> Changed(JsonObject before, JsonObject after) =>
        before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal)
            .Where(key => !JsonNode.DeepEquals(before[key], after[key]))
            .Select(key => $"{key} {Compact(before[key])} → {Compact(after[key])}")
            .ToList();

    private static Dictionary<string, JsonObject> Policies(string? document) =>
        document is null ? [] : Keyed(JsonNode.Parse(document), "Name");

    /// <summary>Objects of an array by a key's value, in array order (the last of a duplicate name wins: validation refuses duplicates).</summary>
    private static Dictionary<string, JsonObject> Keyed(JsonNode? array, string key)
    {
        var keyed = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var item in (array as JsonArray ?? []).OfType<JsonObject>())
        {
            keyed[item[key]?.GetValue<string>() ?? string.Empty] = item;
        }

        return keyed;
    }

    private static int IndexOf(Dictionary<string, JsonObject> keyed, string name) => keyed.Keys.ToList().IndexOf(name);

    private static JsonObject Without(JsonObject policy, params string[] keys)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in policy.Where(p => !keys.Contains(p.Key)))
        {
            copy[key] = value?.DeepClone();
        }

        return copy;
    }

    private static string Compact(JsonNode? node) => node is null ? "(none)" : node.ToJsonString();
}
