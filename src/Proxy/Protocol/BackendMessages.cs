using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Protocol;

/// <summary>Messages the gateway composes itself towards a client (server-to-client direction).</summary>
public static class BackendMessages
{
    public static MessageBuilder ErrorResponse(this MessageBuilder builder, string severity, string sqlState,
        string message, string? detail = null, string? hint = null) =>
        builder.ErrorOrNotice((byte)BackendMessageType.ErrorResponse, severity, sqlState, message, detail, hint);

    public static MessageBuilder NoticeResponse(this MessageBuilder builder, string sqlState, string message,
        string? detail = null, string? hint = null, string severity = Severity.Notice) =>
        builder.ErrorOrNotice((byte)BackendMessageType.NoticeResponse, severity, sqlState, message, detail, hint);

    /// <summary>Re-encodes decoded error or notice fields (used after scrubbing them).</summary>
    public static MessageBuilder ErrorOrNotice(this MessageBuilder builder, BackendMessageType type, ErrorResponse fields)
    {
        builder.Start((byte)type);
        foreach (var field in fields.Fields)
        {
            builder.WriteByte((byte)field.Key).WriteCString(field.Value);
        }

        return builder.WriteByte(0).Finish();
    }

    public static MessageBuilder ReadyForQuery(this MessageBuilder builder, TransactionStatus status) =>
        builder.Start((byte)BackendMessageType.ReadyForQuery).WriteByte((byte)status).Finish();

    public static MessageBuilder ParameterStatus(this MessageBuilder builder, string name, string value) =>
        builder.Start((byte)BackendMessageType.ParameterStatus).WriteCString(name).WriteCString(value).Finish();

    public static MessageBuilder BackendKeyData(this MessageBuilder builder, BackendKey key) =>
        builder.Start((byte)BackendMessageType.BackendKeyData).WriteInt32(key.ProcessId).WriteInt32(key.SecretKey).Finish();

    public static MessageBuilder AuthenticationOk(this MessageBuilder builder) =>
        builder.Start((byte)BackendMessageType.Authentication).WriteInt32(AuthenticationCode.Ok).Finish();

    public static MessageBuilder AuthenticationCleartextPassword(this MessageBuilder builder) =>
        builder.Start((byte)BackendMessageType.Authentication).WriteInt32(AuthenticationCode.CleartextPassword).Finish();

    public static MessageBuilder AuthenticationSasl(this MessageBuilder builder, params string[] mechanisms)
    {
        builder.Start((byte)BackendMessageType.Authentication).WriteInt32(AuthenticationCode.Sasl);
        foreach (var mechanism in mechanisms)
        {
            builder.WriteCString(mechanism);
        }

        return builder.WriteByte(0).Finish();
    }

    public static MessageBuilder AuthenticationSaslContinue(this MessageBuilder builder, ReadOnlySpan<byte> data) =>
        builder.Start((byte)BackendMessageType.Authentication).WriteInt32(AuthenticationCode.SaslContinue).WriteBytes(data).Finish();

    public static MessageBuilder AuthenticationSaslFinal(this MessageBuilder builder, ReadOnlySpan<byte> data) =>
        builder.Start((byte)BackendMessageType.Authentication).WriteInt32(AuthenticationCode.SaslFinal).WriteBytes(data).Finish();

    /// <summary>
    /// NegotiateProtocolVersion ('v'): the newest minor version the gateway speaks, then the
    /// protocol options ("_pq_." startup parameters) it did not recognise.
    /// </summary>
    public static MessageBuilder NegotiateProtocolVersion(this MessageBuilder builder, int newestMinor,
        IReadOnlyCollection<string> unrecognizedOptions)
    {
        builder.Start((byte)BackendMessageType.NegotiateProtocolVersion).WriteInt32(newestMinor).WriteInt32(unrecognizedOptions.Count);
        foreach (var option in unrecognizedOptions)
        {
            builder.WriteCString(option);
        }

        return builder.Finish();
    }

    private static MessageBuilder ErrorOrNotice(this MessageBuilder builder, byte type, string severity, string sqlState,
        string message, string? detail, string? hint)
    {
        builder.Start(type)
            .WriteByte((byte)Backend.ErrorResponse.SeverityField).WriteCString(severity)
            .WriteByte((byte)Backend.ErrorResponse.SeverityNonLocalizedField).WriteCString(severity)
            .WriteByte((byte)Backend.ErrorResponse.CodeField).WriteCString(sqlState)
            .WriteByte((byte)Backend.ErrorResponse.MessageField).WriteCString(message);
        if (detail is not null)
        {
            builder.WriteByte((byte)Backend.ErrorResponse.DetailField).WriteCString(detail);
        }

        if (hint is not null)
        {
            builder.WriteByte((byte)Backend.ErrorResponse.HintField).WriteCString(hint);
        }

        return builder.WriteByte(0).Finish();
    }
}

/// <summary>The Int32 codes of Authentication ('R') messages (§55.7).</summary>
public static class AuthenticationCode
{
    public const int Ok = 0;
    public const int KerberosV5 = 2;
    public const int CleartextPassword = 3;
    public const int Md5Password = 5;
    public const int Gss = 7;
    public const int GssContinue = 8;
    public const int Sspi = 9;
    public const int Sasl = 10;
    public const int SaslContinue = 11;
    public const int SaslFinal = 12;
}
