namespace OrleansGate.Proxy.Protocol;

// The same letter means different things in each direction ('D' is Describe from the client and
// DataRow from the server), so the two directions have separate types and are never mixed.
// PostgreSQL docs §55.7 "Message Formats".

/// <summary>Type bytes of messages a client sends after the startup packet.</summary>
public enum FrontendMessageType : byte
{
    Bind = (byte)'B',
    Close = (byte)'C',
    CopyData = (byte)'d',
    CopyDone = (byte)'c',
    CopyFail = (byte)'f',
    Describe = (byte)'D',
    Execute = (byte)'E',
    Flush = (byte)'H',
    FunctionCall = (byte)'F',
    Parse = (byte)'P',
    /// <summary>PasswordMessage, SASLInitialResponse and SASLResponse share this byte.</summary>
    Password = (byte)'p',
    Query = (byte)'Q',
    Sync = (byte)'S',
    Terminate = (byte)'X',
}

/// <summary>Type bytes of messages a server sends.</summary>
public enum BackendMessageType : byte
{
    Authentication = (byte)'R',
    BackendKeyData = (byte)'K',
    BindComplete = (byte)'2',
    CloseComplete = (byte)'3',
    CommandComplete = (byte)'C',
    CopyBothResponse = (byte)'W',
    CopyData = (byte)'d',
    CopyDone = (byte)'c',
    CopyInResponse = (byte)'G',
    CopyOutResponse = (byte)'H',
    DataRow = (byte)'D',
    EmptyQueryResponse = (byte)'I',
    ErrorResponse = (byte)'E',
    FunctionCallResponse = (byte)'V',
    NegotiateProtocolVersion = (byte)'v',
    NoData = (byte)'n',
    NoticeResponse = (byte)'N',
    NotificationResponse = (byte)'A',
    ParameterDescription = (byte)'t',
    ParameterStatus = (byte)'S',
    ParseComplete = (byte)'1',
    PortalSuspended = (byte)'s',
    ReadyForQuery = (byte)'Z',
    RowDescription = (byte)'T',
}

public static class MessageTypeNames
{
    /// <summary>True for the messages a client may send once the session is established.</summary>
    public static bool IsKnownSessionMessage(FrontendMessageType type) => type switch
    {
        FrontendMessageType.Bind or FrontendMessageType.Close or FrontendMessageType.CopyData
            or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail or FrontendMessageType.Describe
            or FrontendMessageType.Execute or FrontendMessageType.Flush or FrontendMessageType.FunctionCall
            or FrontendMessageType.Parse or FrontendMessageType.Query or FrontendMessageType.Sync
            or FrontendMessageType.Terminate => true,
        _ => false,
    };

    /// <summary>True for the messages a server may send once the session is established.</summary>
    public static bool IsKnownSessionMessage(BackendMessageType type) => type switch
    {
        BackendMessageType.BindComplete or BackendMessageType.CloseComplete or BackendMessageType.CommandComplete
            or BackendMessageType.CopyBothResponse or BackendMessageType.CopyData or BackendMessageType.CopyDone
            or BackendMessageType.CopyInResponse or BackendMessageType.CopyOutResponse or BackendMessageType.DataRow
            or BackendMessageType.EmptyQueryResponse or BackendMessageType.ErrorResponse
            or BackendMessageType.FunctionCallResponse or BackendMessageType.NoData or BackendMessageType.NoticeResponse
            or BackendMessageType.NotificationResponse or BackendMessageType.ParameterDescription
            or BackendMessageType.ParameterStatus or BackendMessageType.ParseComplete or BackendMessageType.PortalSuspended
            or BackendMessageType.ReadyForQuery or BackendMessageType.RowDescription => true,
        _ => false,
    };

    /// <summary>A printable form of a type byte for error messages ('Q', or 0x07).</summary>
    public static string Printable(byte type) =>
        type is >= 0x21 and < 0x7f ? $"'{(char)type}'" : $"0x{type:x2}";
}
