using System.Text.Json.Nodes;

namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// The changes between two policy documents that loosen what protects data, which only an
/// administrator may record (docs/policies.md#versions): a policy editor may add protection and
/// edit Allow rules, not take protection away. One line per change, naming what was loosened.
/// </summary>
/// <remarks>
/// Loosening, per policy (by name): the policy removed while it had masks or Hold/Block rules; a
/// policy setting changed (DerivedColumns, MaskedPredicates, ApproverGroups, ResultPreviewRows);
/// a mask removed, or changed other than narrowing its <c>Unmasked</c> or adding detectors, or its
/// <c>Unmasked</c> widened; a Hold or Block rule removed or changed in any key; an Allow rule whose
/// <c>Overrides</c> are new or wider (they lift built-in safe defaults); an Allow rule that now comes
/// before a Hold or Block rule it did not come before, or that changed while before one (first
/// match wins, so it would take the statements that rule held or blocked).
/// </remarks>
public static class PolicyLoosening
{
    /// <summary>What <paramref name="after"/> loosens compared with <paramref name="before"/> (null: nothing stored yet).</summary>
    public static IReadOnlyList<string> Between(string? before, string after)
    {
        var old = Keyed(before is null ? null : JsonNode.Parse(before), "Name");
        var now = Keyed(JsonNode.Parse(after), "Name");
        var lines = new List<string>();
        foreach (var (name, policy) in old)
        {
            var prefix = $"policy '{name}': ";
            if (!now.TryGetValue(name, out var current))
            {
                if (Keyed(policy["Masks"], "Column").Count > 0 || Rules(policy).Exists(r => Protects(r.Rule)))
                {
                    lines.Add($"policy '{name}' removed (it had masks or Hold/Block rules)");
                }

                continue;
            }

            foreach (var key in Settings(policy).Union(Settings(current)).Where(k => !JsonNode.DeepEquals(policy[k], current[k])))
            {
                lines.Add($"{prefix}setting {key} changed");
            }

            Masks(prefix, Keyed(policy["Masks"], "Column"), Keyed(current["Masks"], "Column"), lines);
        }

        foreach (var (name, policy) in now)
        {
            RulesOf($"policy '{name}': ", old.TryGetValue(name, out var previous) ? Rules(previous) : [], Rules(policy), lines);
        }

        return lines;
    }

    private static void Masks(string prefix, Dictionary<string, JsonObject> old, Dictionary<string, JsonObject> now, List<string> lines)
    {
        foreach (var (column, mask) in old)
        {
            if (!now.TryGetValue(column, out var current))
            {
                lines.Add($"{prefix}mask '{column}' removed");
                continue;
            }

            if (Strings(current["Unmasked"]).Except(Strings(mask["Unmasked"]), StringComparer.Ordinal).ToList() is { Count: > 0 } added)
            {
                lines.Add($"{prefix}mask '{column}' Unmasked widened ({string.Join(", ", added)})");
            }

            var others = Except(mask, "Unmasked", "Detectors");
            if (!JsonNode.DeepEquals(others, Except(current, "Unmasked", "Detectors"))
                || Strings(mask["Detectors"]).Except(Strings(current["Detectors"]), StringComparer.Ordinal).Any())
            {
                lines.Add($"{prefix}mask '{column}' changed");
            }
        }
    }

    private static void RulesOf(string prefix, List<(string Name, JsonObject Rule)> old, List<(string Name, JsonObject Rule)> now, List<string> lines)
    {
        var oldByName = old.Select((r, i) => (r.Name, r.Rule, Index: i)).GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        foreach (var (name, rule) in old.Where(r => Protects(r.Rule)))
        {
            var current = now.Find(r => r.Name == name).Rule;
            if (current is null)
            {
                lines.Add($"{prefix}{Action(rule)} rule '{name}' removed");
            }
            else if (!JsonNode.DeepEquals(rule, current))
            {
                lines.Add($"{prefix}{Action(rule)} rule '{name}' changed");
            }
        }

        for (var i = 0; i < now.Count; i++)
        {
            var (name, rule) = now[i];
            if (Protects(rule))
            {
                continue;
            }

            var had = oldByName.TryGetValue(name, out var previous) ? previous : default;
            List<string> oldOverrides = had.Rule is null || Protects(had.Rule) ? [] : Strings(had.Rule["Overrides"]);
            if (Strings(rule["Overrides"]).Except(oldOverrides, StringComparer.Ordinal).ToList() is { Count: > 0 } lifted)
            {
                lines.Add($"{prefix}Allow rule '{name}' Overrides widened ({string.Join(", ", lifted)})");
            }

            // Each Hold/Block rule (that was one before) after this Allow rule: did it stand after it already, unchanged?
            foreach (var (later, laterRule) in now.Skip(i + 1).Where(r => Protects(r.Rule)))
            {
                var stood = oldByName.TryGetValue(later, out var was) && Protects(was.Rule);
                var before = had.Rule is not null && !Protects(had.Rule) && JsonNode.DeepEquals(had.Rule, rule) && stood && had.Index < was.Index;
                if (stood && !before)
                {
                    lines.Add($"{prefix}Allow rule '{name}' now comes before {Action(laterRule)} rule '{later}'");
                }
            }
        }
    }

    /// <summary>Hold and Block rules protect data (the default action is Block).</summary>
    private static bool Protects(JsonObject rule) => Action(rule) != "Allow";

    private static string Action(JsonObject rule) => rule["Action"]?.GetValue<string>() ?? "Block";

    private static List<(string Name, JsonObject Rule)> Rules(JsonObject policy) =>
        (policy["Rules"] as JsonArray ?? []).OfType<JsonObject>().Select(r => (r["Name"]?.GetValue<string>() ?? string.Empty, r)).ToList();

    private static IEnumerable<string> Settings(JsonObject policy) =>
        policy.Select(p => p.Key).Where(k => k is not ("Name" or "Masks" or "Rules"));

    private static List<string> Strings(JsonNode? array) =>
        (array as JsonArray ?? []).Select(n => n?.GetValue<string>() ?? string.Empty).ToList();

    private static JsonObject Except(JsonObject item, params string[] keys)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in item.Where(p => !keys.Contains(p.Key)))
        {
            copy[key] = value?.DeepClone();
        }

        return copy;
    }

    private static Dictionary<string, JsonObject> Keyed(JsonNode? array, string key)
    {
        var keyed = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var item in (array as JsonArray ?? []).OfType<JsonObject>())
        {
            keyed[item[key]?.GetValue<string>() ?? string.Empty] = item;
        }

        return keyed;
    }
}
