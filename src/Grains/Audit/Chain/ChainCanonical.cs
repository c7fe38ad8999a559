using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// The canonical bytes of an event, the input of its chain hash (docs/audit-integrity.md):
/// <code>
///   UTF-8(type name, e.g. "StatementReceived") ‖ 0x0A ‖ canonical JSON of the event
/// </code>
/// where the canonical JSON is the event's JSON value (as stored by Marten, or as
/// <see cref="Options"/> serializes it) with the top-level <c>PrevHash</c> and <c>Hash</c> removed,
/// every object property whose value is null removed (so "null" and "absent" are the same),
/// object properties sorted by ordinal comparison of their names, arrays kept in order, no
/// whitespace, strings re-escaped with the relaxed encoder and numbers as their JSON text.
/// It is computed from the parsed value, not the stored text, because PostgreSQL's jsonb
/// reorders keys and re-escapes strings: the bytes must be the same before and after the trip.
/// </summary>
public static class ChainCanonical
{
    /// <summary>
    /// Fixed on purpose (not Marten's settings): property names as declared, enums as their names.
    /// Marten stores the same JSON value (System.Text.Json, enums as strings); a test checks it.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>The canonical bytes of an event object (in the session grain, before the append).</summary>
    public static byte[] Of(ChainedEvent e)
    {
        using var document = JsonSerializer.SerializeToDocument(e, e.GetType(), Options);
        return Of(e.GetType().Name, document.RootElement);
    }

    /// <summary>The canonical bytes of a stored event: its type name and its JSON value.</summary>
    public static byte[] Of(string typeName, JsonElement json)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        buffer.Write(Encoding.UTF8.GetBytes(typeName));
        buffer.Write("\n"u8);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, json, topLevel: true);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, JsonElement value, bool topLevel)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                // Names read once each, sorted in place: this runs for every event of every statement.
                var properties = new List<(string Name, JsonElement Value)>();
                foreach (var property in value.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Null
                        || (topLevel && (property.NameEquals(nameof(ChainedEvent.PrevHash)) || property.NameEquals(nameof(ChainedEvent.Hash)))))
                    {
                        continue;
                    }

                    properties.Add((property.Name, property.Value));
                }

                properties.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                writer.WriteStartObject();
                foreach (var (name, propertyValue) in properties)
                {
                    writer.WritePropertyName(name);
                    Write(writer, propertyValue, topLevel: false);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Write(writer, item, topLevel: false);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                writer.WriteBooleanValue(value.GetBoolean());
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
