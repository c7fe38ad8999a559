namespace OrleansGate.Proxy.Masking;

/// <summary>How the masker treats a column's type: the built-in types it knows by OID.</summary>
internal enum TypeFamily
{
    /// <summary>Anything not listed: masked values become SQL NULL, the one placeholder valid for every type.</summary>
    Other,
    /// <summary>text, varchar, bpchar, name, unknown: UTF-8 text in both formats.</summary>
    Text,
    Json,
    /// <summary>Text format: the JSON text; binary format: version byte 1 then the JSON text.</summary>
    Jsonb,
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Numeric,
    Bool,
    Date,
    Time,
    TimeTz,
    Timestamp,
    Timestamptz,
    Interval,
    Uuid,
    Bytea,
    Inet,
    Cidr,
}

/// <summary>The built-in type OIDs (pg_type.dat) the masker knows.</summary>
internal static class TypeOids
{
    public const uint Bool = 16;
    public const uint Bytea = 17;
    public const uint Name = 19;
    public const uint Int8 = 20;
    public const uint Int2 = 21;
    public const uint Int4 = 23;
    public const uint Text = 25;
    public const uint Oid = 26;
    public const uint Json = 114;
    public const uint Cidr = 650;
    public const uint Float4 = 700;
    public const uint Float8 = 701;
    public const uint Unknown = 705;
    public const uint Inet = 869;
    public const uint Bpchar = 1042;
    public const uint Varchar = 1043;
    public const uint Date = 1082;
    public const uint Time = 1083;
    public const uint Timestamp = 1114;
    public const uint Timestamptz = 1184;
    public const uint Interval = 1186;
    public const uint TimeTz = 1266;
    public const uint Numeric = 1700;
    public const uint Uuid = 2950;
    public const uint Jsonb = 3802;

    public static TypeFamily FamilyOf(uint oid) => oid switch
    {
        Text or Varchar or Bpchar or Name or Unknown => TypeFamily.Text,
        Json => TypeFamily.Json,
        Jsonb => TypeFamily.Jsonb,
        Int2 => TypeFamily.Int2,
        Int4 => TypeFamily.Int4,
        Int8 => TypeFamily.Int8,
        Oid => TypeFamily.Oid,
        Float4 => TypeFamily.Float4,
        Float8 => TypeFamily.Float8,
        Numeric => TypeFamily.Numeric,
        Bool => TypeFamily.Bool,
        Date => TypeFamily.Date,
        Time => TypeFamily.Time,
        TimeTz => TypeFamily.TimeTz,
        Timestamp => TypeFamily.Timestamp,
        Timestamptz => TypeFamily.Timestamptz,
        Interval => TypeFamily.Interval,
        Uuid => TypeFamily.Uuid,
        Bytea => TypeFamily.Bytea,
        Inet => TypeFamily.Inet,
        Cidr => TypeFamily.Cidr,
        _ => TypeFamily.Other,
    };
}
