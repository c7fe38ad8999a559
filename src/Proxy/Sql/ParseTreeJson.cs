using System.Text.Json;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Reading libpg_query's JSON parse tree: a node is <c>{"TypeName": {fields}}</c>, a field typed
/// as a struct (<c>RangeVar* relation</c>) holds the fields without the wrapper, names are lists
/// of <c>String</c> nodes, and fields that are 0, false or empty are left out.
/// </summary>
internal static class ParseTreeJson
{
    /// <summary>The node's type name and body; an empty name for anything that is not a wrapped node.</summary>
    public static (string Name, JsonElement Body) NodeOf(JsonElement node)
    {
        if (node.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in node.EnumerateObject())
            {
                return (property.Name, property.Value);
            }
        }

        return (string.Empty, node);
    }

    /// <summary>A string field, or null when absent.</summary>
    public static string? String(JsonElement body, string field) =>
        body.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A boolean field (absent means false).</summary>
    public static bool Bool(JsonElement body, string field) =>
        body.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>A list field's items; none when absent.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement body, string field) =>
        body.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [];

    /// <summary>A list of <c>String</c> nodes (a qualified name, an alias column list) as strings.</summary>
    public static string[] Strings(JsonElement body, string field)
    {
        if (!body.TryGetProperty(field, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var names = new string[list.GetArrayLength()];
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            names[i++] = NodeOf(item) is ("String", var s) ? String(s, "sval") ?? string.Empty : string.Empty;
        }

        return names;
    }

    /// <summary>A qualified name (<c>funcname</c>, a DROP's object) joined with dots.</summary>
    public static string NameList(JsonElement body, string field) => string.Join('.', Strings(body, field));
}
