using System.Text.Json;
using Orleans.Storage;
using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Approvals;

/// <summary>
/// How approval state is written to grain storage: plain JSON of the declared type. Orleans' default
/// storage serializer writes Newtonsoft JSON with <c>$type</c> names and honours them on the way back,
/// so whoever can write the storage table could choose what type the silo instantiates. This one never
/// reads a type from the data, and its bytes are the ones <see cref="SealedState"/> seals.
/// </summary>
public sealed class ApprovalStorageSerializer : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(Bytes(input));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, ChainCanonical.Options)
        ?? throw new JsonException($"stored {typeof(T).Name} is null");

    internal static byte[] Bytes<T>(T state) => JsonSerializer.SerializeToUtf8Bytes(state, ChainCanonical.Options);
}
