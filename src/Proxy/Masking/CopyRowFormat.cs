namespace OrleansGate.Proxy.Masking;

/// <summary>
/// The shape of COPY TO STDOUT rows (the COPY options FORMAT, DELIMITER, NULL, QUOTE, ESCAPE),
/// with PostgreSQL's defaults in <see cref="Text"/> and <see cref="Csv"/>; a COPY that names its
/// own options is described with <c>with</c>. Every character is one byte, as PostgreSQL requires
/// of the delimiter, quote and escape.
/// </summary>
public sealed record CopyRowFormat
{
    /// <summary>Text format: tab-separated, <c>\N</c> for NULL, backslash escapes.</summary>
    public static CopyRowFormat Text { get; } = new() { Delimiter = (byte)'\t', NullString = "\\N" };

    /// <summary>CSV format: comma-separated, <c>"</c> quotes doubled to escape, NULL an empty unquoted field.</summary>
    public static CopyRowFormat Csv { get; } = new() { IsCsv = true, Delimiter = (byte)',', NullString = string.Empty };

    public bool IsCsv { get; init; }

    public byte Delimiter { get; init; } = (byte)'\t';

    /// <summary>CSV only.</summary>
    public byte Quote { get; init; } = (byte)'"';

    /// <summary>CSV only; the quote character unless given.</summary>
    public byte Escape { get; init; } = (byte)'"';

    /// <summary>How NULL is written, compared with a field before any unescaping.</summary>
    public string NullString { get; init; } = "\\N";
}
