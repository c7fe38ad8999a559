using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// The canonical bytes of an event, the input of its chain hash (docs/audit-integrity.md):
/// <code>
///   UTF-8(type name, e.g. "StatementReceived") ‖ 0x0A ‖ canonical JSON of the event
/// </code>
/// where the canonical JSON is the event's JSON value (as stored, or as <see cref="Options"/>
/// serializes it) with the top-level <c>Hash</c> removed (and <c>PrevHash</c>, which records
/// written by releases up to 2026-12-07 store),
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
    /// The events are stored in this shape (written once by <see cref="JsonOf"/>, nulls left out),
    /// and Marten reads them back with the same names and enums as strings; a test checks it.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter(), new UtcInstantConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary>
    /// Writes an event straight into its canonical JSON, in one pass: nulls omitted, every object's
    /// properties in ordinal order of their names, the relaxed encoder, and for an event marked
    /// <see cref="LeavesOutEmptyAttribute"/> no empty lists nor false flags. The same bytes as
    /// <see cref="Of(string, JsonElement)"/> over <see cref="Options"/>' JSON less those (a test
    /// compares the two for every event shape), without building and rewriting a document per event.
    /// </summary>
    private static readonly JsonSerializerOptions CanonicalWriting = new()
    {
        Converters = { new JsonStringEnumConverter(), new UtcInstantConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SortPropertiesOrdinally } },
    };

    private static void SortPropertiesOrdinally(JsonTypeInfo type)
    {
        // A dictionary's keys would come out in insertion order, which the canonical form does not
        // allow: no event has one, and one added later must fail here rather than in verify.
        if (type.Kind == JsonTypeInfoKind.Dictionary)
        {
            throw new NotSupportedException($"{type.Type.Name}: audit events cannot hold dictionaries (their keys have no canonical order)");
        }

        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        var wholeType = type.Type.IsDefined(typeof(LeavesOutEmptyAttribute), inherit: false);
        foreach (var property in type.Properties)
        {
            if (wholeType || property.AttributeProvider?.IsDefined(typeof(LeavesOutEmptyAttribute), inherit: false) == true)
            {
                if (property.PropertyType == typeof(bool))
                {
                    property.ShouldSerialize = static (_, value) => value is true;
                }
                else if (property.PropertyType != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType))
                {
                    // Replaces the null check WhenWritingNull would have made, so it makes it too.
                    property.ShouldSerialize = static (_, value) => value is not (null or System.Collections.ICollection { Count: 0 });
                }
            }

            if (property.AttributeProvider?.GetCustomAttributes(typeof(LeavesOutWhenOnlyAttribute), inherit: false) is [LeavesOutWhenOnlyAttribute only])
            {
                var other = type.Type.GetProperty(only.Property)
                            ?? throw new NotSupportedException($"{type.Type.Name}.{property.Name}: no property {only.Property} to compare with");
                property.ShouldSerialize = (e, value) =>
                    value is not (null or System.Collections.IList { Count: 0 }) && !(value is System.Collections.IList { Count: 1 } list && Equals(list[0], other.GetValue(e)));
            }
        }

        var sorted = type.Properties.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        type.Properties.Clear();
        foreach (var property in sorted)
        {
            type.Properties.Add(property);
        }
    }

    /// <summary>The canonical bytes of an event object: its type name, a newline, its canonical JSON.</summary>
    public static byte[] Of(ChainedEvent e) => Prefixed(e.GetType().Name, JsonOf(e));

    /// <summary>
    /// Writes an event's canonical JSON (its Hash null) into <paramref name="writer"/>,
    /// reset onto <paramref name="output"/>: the same bytes as <see cref="JsonOf"/>, into a buffer
    /// the caller reuses (the chain links every statement's event this way).
    /// </summary>
    internal static void WriteJson(ChainedEvent e, Utf8JsonWriter writer, IBufferWriter<byte> output)
    {
        writer.Reset(output);
        JsonSerializer.Serialize(writer, e, e.GetType(), CanonicalWriting);
        writer.Flush();
    }

    /// <summary>The writer options <see cref="WriteJson"/>'s writer must have: those <see cref="JsonOf"/> writes with.</summary>
    internal static JsonWriterOptions CanonicalWriterOptions => new() { Encoder = CanonicalWriting.Encoder, Indented = false, MaxDepth = CanonicalWriting.MaxDepth };

    /// <summary>The canonical JSON of an event object (its Hash is not part of it).</summary>
    public static byte[] JsonOf(ChainedEvent e) =>
        e.Hash is null
            ? JsonSerializer.SerializeToUtf8Bytes(e, e.GetType(), CanonicalWriting)
            : JsonSerializer.SerializeToUtf8Bytes(e with { Hash = null }, e.GetType(), CanonicalWriting);

    /// <summary>
    /// The JSON stored for a linked event: its canonical JSON with Hash added as the last
    /// property, so the bytes hashed are serialised once and stored as they are (jsonb orders
    /// keys its own way; verify recomputes the canonical form from the stored value).
    /// </summary>
    public static string StoredJson(ReadOnlySpan<byte> canonicalJson, string? hash)
    {
        if (canonicalJson.Length < 2 || canonicalJson[^1] != (byte)'}')
        {
            throw new ArgumentException("an event's canonical JSON is an object", nameof(canonicalJson));
        }

        var body = Encoding.UTF8.GetString(canonicalJson[..^1]);
        var separator = canonicalJson.Length > 2 ? "," : "";
        return hash is null ? body + "}" : $"{body}{separator}\"{nameof(ChainedEvent.Hash)}\":\"{hash}\"}}";
    }

    /// <summary>The JSON stored for an event object, made from its canonical JSON and its chain fields.</summary>
    public static string StoredJson(ChainedEvent e) => StoredJson(JsonOf(e), e.Hash);

    /// <summary>Type name ‖ 0x0A ‖ canonical JSON.</summary>
    public static byte[] Prefixed(string typeName, ReadOnlySpan<byte> canonicalJson)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(typeName) + 1 + canonicalJson.Length];
        var written = Encoding.UTF8.GetBytes(typeName, bytes);
        bytes[written] = (byte)'\n';
        canonicalJson.CopyTo(bytes.AsSpan(written + 1));
        return bytes;
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
                        || (topLevel && (property.NameEquals(ChainedEvent.StoredPrevHash) || property.NameEquals(nameof(ChainedEvent.Hash)))))
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

    /// <summary>
    /// An instant written in UTC with a <c>Z</c> ("2026-12-07T15:57:35.0193246Z"), five bytes shorter
    /// than the <c>+00:00</c> offset System.Text.Json writes for a DateTimeOffset, in every event.
    /// The instant is the same; readers take either form (records written by releases up to 2026-12-07 have
    /// the offset).
    /// </summary>
    private sealed class UtcInstantConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime);
    }
}
