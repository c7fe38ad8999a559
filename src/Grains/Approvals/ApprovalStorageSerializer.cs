using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace OrleansGate.Grains.Approvals;

/// <summary>
/// How approval state is written to grain storage: plain JSON of the declared type. Orleans' default
/// storage serializer writes Newtonsoft JSON with <c>$type</c> names and honours them on the way back,
/// so whoever can write the storage table could choose what type the silo instantiates. This one never
/// reads a type from the data, and its bytes are the ones <see cref="SealedState"/> seals.
/// </summary>
/// <remarks>
/// The format is frozen: a seal is checked over the state as this serializer writes it again, so
/// any change to how a value is written (an instant's offset, a property's name) would make every
/// state stored before it look tampered with, and drop every open window and pending request.
/// </remarks>
public sealed class ApprovalStorageSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public BinaryData Serialize<T>(T? input) => new(Bytes(input));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)
        ?? throw new JsonException($"stored {typeof(T).Name} is null");

    internal static byte[] Bytes<T>(T state) => JsonSerializer.SerializeToUtf8Bytes(state, Options);
}
