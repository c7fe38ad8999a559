namespace OrleansGate.Proxy.Protocol;

/// <summary>The SQLSTATE codes the gateway itself reports (PostgreSQL docs, Appendix A).</summary>
public static class SqlState
{
    public const string Warning = "01000";
    public const string FeatureNotSupported = "0A000";
    public const string ConnectionFailure = "08006";
    public const string ProtocolViolation = "08P01";
    public const string InvalidAuthorizationSpecification = "28000";
    public const string InvalidPassword = "28P01";
    public const string InvalidCatalogName = "3D000";
    public const string InsufficientPrivilege = "42501";
    public const string QueryCanceled = "57014";
    public const string AdminShutdown = "57P01";
    public const string CannotConnectNow = "57P03";
    public const string TooManyConnections = "53300";
    public const string ProgramLimitExceeded = "54000";
    public const string InternalError = "XX000";
}

/// <summary>Severity words of ErrorResponse and NoticeResponse.</summary>
public static class Severity
{
    public const string Error = "ERROR";
    public const string Fatal = "FATAL";
    public const string Notice = "NOTICE";
    public const string Warning = "WARNING";
}
