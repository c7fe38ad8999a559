using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Configuration;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// The <c>Policies</c> document of a version: a JSON array of policies, keyed exactly as in the
/// configuration file. An edited document is checked the way the file is — laid over the file's
/// configuration in place of its <c>OrleansGate:Policies</c> and bound and validated by the same
/// validators — so it is refused with the same one-line problems, naming the same keys.
/// </summary>
public static class PolicyDocument
{
    private const string PoliciesPath = GatewayOptions.Section + ":Policies";

    /// <summary>
    /// The stored form: the bound options written back (property names as in the file, enums as
    /// names, nulls and empty lists left out), so equal policies are equal text whatever the
    /// input's spelling, and the diff compares like with like.
    /// </summary>
    private static readonly JsonSerializerOptions Canonical = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOutEmptyLists } },
    };

    private static void LeaveOutEmptyLists(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.PropertyType != typeof(string) && typeof(System.Collections.ICollection).IsAssignableFrom(property.PropertyType))
            {
                property.ShouldSerialize = static (_, value) => value is System.Collections.ICollection { Count: > 0 };
            }
        }
    }

    /// <summary>The canonical document of bound policies.</summary>
    public static string Of(IReadOnlyList<PolicyOptions> policies) => JsonSerializer.Serialize(policies, Canonical);

    /// <summary>
    /// The file's configuration with <paramref name="document"/> in place of its policies: every
    /// other key as the file has it, so targets' references and secrets are checked with it.
    /// Throws <see cref="JsonException"/> or <see cref="FormatException"/> for text that is not a JSON array.
    /// </summary>
    public static IConfiguration Over(IConfiguration file, string document)
    {
        var node = JsonNode.Parse(document, documentOptions: new JsonDocumentOptions { MaxDepth = 32 });
        if (node is not JsonArray)
        {
            throw new FormatException($"{PoliciesPath}: must be a JSON array of policies");
        }

        var rest = file.AsEnumerable()
            .Where(pair => !IsUnder(pair.Key, PoliciesPath))
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
        var wrapped = new JsonObject { [GatewayOptions.Section] = new JsonObject { ["Policies"] = node } };
        return new ConfigurationBuilder()
            .AddInMemoryCollection(rest)
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(wrapped.ToJsonString())))
            .Build();
    }

    /// <summary>The policies a configuration binds (after validation).</summary>
    public static List<PolicyOptions> Bind(IConfiguration configuration) =>
        configuration.GetSection(PoliciesPath).Get<List<PolicyOptions>>() ?? [];

    private static bool IsUnder(string key, string path) =>
        key.Equals(path, StringComparison.OrdinalIgnoreCase) || key.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase);
}
