namespace OrleansGate.Grains.Sessions;

/// <summary>
/// The first rows of one result as the client received them (after masking): column names (empty
/// when the server sent no RowDescription for this execution) and each value as text — text-format
/// values decoded as UTF-8, anything else (binary format) as <c>\x</c> hex; values are capped in
/// length (a trailing <c>…</c> says so). <see cref="More"/>: the result had more rows than kept
/// (recorded only when true: a preview is stored with most statements).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ResultPreview(
    [property: Id(0)] IReadOnlyList<string> Columns,
    [property: Id(1)] IReadOnlyList<IReadOnlyList<string?>> Rows,
    [property: Id(2), Audit.Chain.LeavesOutEmpty] bool More);
