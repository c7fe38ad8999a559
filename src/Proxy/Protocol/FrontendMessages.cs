using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Protocol;

/// <summary>Messages the gateway composes itself towards an upstream server (client-to-server direction).</summary>
public static class FrontendMessages
{
    /// <summary>Protocol 3.0 as the 32-bit version code of StartupMessage (major 3 in the high 16 bits).</summary>
    public const int ProtocolVersion30 = 3 << 16;

    /// <summary>A whole Sync message: what the gateway sends in place of a refused request, or holds back behind a COPY.</summary>
    public static ReadOnlySpan<byte> SyncFrame => [(byte)FrontendMessageType.Sync, 0, 0, 0, 4];

    public static MessageBuilder StartupMessage(this MessageBuilder builder, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        builder.StartUntyped().WriteInt32(ProtocolVersion30);
        foreach (var (name, value) in parameters)
        {
            builder.WriteCString(name).WriteCString(value);
        }

        return builder.WriteByte(0).Finish();
    }

    public static MessageBuilder SslRequest(this MessageBuilder builder) =>
        builder.StartUntyped().WriteInt32(StartupCodes.SslRequest).Finish();

    public static MessageBuilder CancelRequest(this MessageBuilder builder, BackendKey key) =>
        builder.StartUntyped().WriteInt32(StartupCodes.CancelRequest).WriteInt32(key.ProcessId).WriteInt32(key.SecretKey).Finish();

    public static MessageBuilder PasswordMessage(this MessageBuilder builder, string password) =>
        builder.Start((byte)FrontendMessageType.Password).WriteCString(password).Finish();

    public static MessageBuilder SaslInitialResponse(this MessageBuilder builder, string mechanism, ReadOnlySpan<byte> data) =>
        builder.Start((byte)FrontendMessageType.Password).WriteCString(mechanism).WriteInt32(data.Length).WriteBytes(data).Finish();

    public static MessageBuilder SaslResponse(this MessageBuilder builder, ReadOnlySpan<byte> data) =>
        builder.Start((byte)FrontendMessageType.Password).WriteBytes(data).Finish();

    public static MessageBuilder Terminate(this MessageBuilder builder) =>
        builder.Start((byte)FrontendMessageType.Terminate).Finish();
}

/// <summary>Version codes that mark the special startup-phase packets (§55.7).</summary>
public static class StartupCodes
{
    public const int CancelRequest = 80877102;
    public const int SslRequest = 80877103;
    public const int GssEncRequest = 80877104;
}
