using System.Buffers;
using System.Collections.Concurrent;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Sessions;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;
using OrleansGate.Proxy.Relay;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Masks one session's results on their way to the client. At each RowDescription it picks a
/// masker per column: the column's origin (table OID, attribute number) is a masked column or a
/// view column computed from one; or it has no origin and the statement computes from masked
/// values; or a content detector watches every text column. DataRow and COPY rows of such a
/// result are rewritten value by value, one row at a time. In the extended protocol the gateway
/// sends its own Describe before every Execute, so it knows each portal's columns and formats
/// even when the client never asked; the replies to those are not relayed.
/// </summary>
/// <remarks>
/// The client loop registers what it sends (<see cref="ExpectDescribe"/>); the server loop calls
/// <see cref="Process"/> for the frames masking is about. A value that cannot be masked fails the
/// statement: the rest of its replies up to ReadyForQuery are dropped and the client gets an
/// ErrorResponse in their place (fail closed).
/// </remarks>
internal sealed partial class ResultMasking(PendingReplies replies, MaskingKey key, IReadOnlyList<string> groups,
    MaskingCatalogs catalogs, string target, TimeSpan timeout)
{
    /// <summary>SQLSTATE 22000 data_exception: a value of the result could not be masked.</summary>
    public const string MaskingFailedSqlState = "22000";

    /// <summary>A Describe's reply to come; for the gateway's own before an Execute, the portal and which binding of it runs.</summary>
    private sealed record DescribeReply(long Group, bool Injected, StatementMasking? Masking, string? Portal, long Generation);

    private readonly ConcurrentQueue<DescribeReply> _describes = new();
    /// <summary>The catalog as this session sees it, with its lookups; replaced whole, so both loops see one version.</summary>
    private sealed record View(MaskingCatalog Catalog, Dictionary<(uint, short), MaskedOrigin> Origins, HashSet<uint> MaskedTables,
        MaskRule? EveryTextColumn, HashSet<uint> TextTypes);

    private volatile View? _view;

    // Server side: the result being relayed.
    private StatementMasking? _executing;
    private ColumnMasker?[]? _columns;
    private string[] _columnNames = [];
    private long[] _counts = [];
    private CopyRowMasker? _copy;
    private int _copyRowsToSkip;
    private bool[] _copyMasked = [];
    private string? _failure;
    private string[] _redacted = [];
    private IReadOnlyList<MaskedValueCount> _finished = [];

    // A cursor WITH HOLD over masked values runs its query when its transaction commits: its
    // errors then come with COMMIT or Sync, not with a statement that reads masked values. From
    // the request that declared it (its ReadyForQuery number) to the end of that transaction,
    // every error and notice is withheld.
    private long _withholdFrom = long.MaxValue;

    /// <summary>Takes a newer catalog (already without the masks the session's groups are exempt from).</summary>
    public void Use(MaskingCatalog catalog)
    {
        if (_view is { } current && catalog.Version <= current.Catalog.Version)
        {
            return;
        }

        var visible = catalog.ExemptFor(groups);
        _view = new View(visible, visible.Origins.ToDictionary(o => (o.TableOid, o.AttributeNumber)),
            visible.Origins.Select(o => o.TableOid).ToHashSet(),
            visible.Rules.FirstOrDefault(r => r.Column == Grains.Policy.MaskOptions.EveryTextColumn && !r.IsUnmaskedFor(groups)),
            visible.TextTypes.ToHashSet());
    }

    /// <summary>Makes sure results are masked with the catalog a decision was made with, or a newer one.</summary>
    /// <exception cref="MaskingException">No such catalog can be had.</exception>
    public async ValueTask EnsureCatalogAsync(long version, CancellationToken cancellationToken)
    {
        if (_view is not { } view || version > view.Catalog.Version)
        {
            Use(await catalogs.GetAsync(target, version, timeout, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>A Describe goes upstream (the client's, or the gateway's own before an Execute); its reply comes in this order.</summary>
    public void ExpectDescribe(bool injected, StatementMasking? masking, string? portal = null, long generation = 0) =>
        _describes.Enqueue(new DescribeReply(replies.ExpectedCount, injected, masking, portal, generation));

    /// <summary>A request that declares a cursor WITH HOLD over masked values goes upstream; its replies come as ReadyForQuery number <paramref name="reply"/>.</summary>
    public void WithholdMessagesUntilIdle(long reply)
    {
        if (reply < _withholdFrom)
        {
            _withholdFrom = reply;
        }
    }

    /// <summary>Masked-value counts of the result that just completed, for its outcome.</summary>
    public IReadOnlyList<MaskedValueCount> TakeCounts()
    {
        var counts = _finished;
        _finished = [];
        return counts;
    }

    /// <summary>Looks at one server frame; <paramref name="output"/> receives the bytes for Replace and Prepend.</summary>
    public ServerFrameVerdict Process(BackendMessageType type, in Frame frame, ArrayBufferWriter<byte> output)
    {
        if (_failure is not null && type != BackendMessageType.ReadyForQuery)
        {
            Finish();
            return ServerFrameVerdict.Drop;
        }

        try
        {
            return type switch
            {
                BackendMessageType.RowDescription => OnRowDescription(frame, output),
                BackendMessageType.NoData => OnNoData(),
                BackendMessageType.DataRow when _columns is not null => RewriteDataRow(frame.Payload, output),
                BackendMessageType.CopyOutResponse => OnCopyOut(frame.Payload, output),
                BackendMessageType.CopyData when _copy is not null => RewriteCopyRow(frame.Payload, output),
                BackendMessageType.CommandComplete or BackendMessageType.EmptyQueryResponse => EndResult(suspended: false),
                BackendMessageType.PortalSuspended => EndResult(suspended: true),
                BackendMessageType.ErrorResponse or BackendMessageType.NoticeResponse => OnErrorOrNotice(type, frame, output),
                BackendMessageType.ReadyForQuery => OnReadyForQuery(frame, output),
                _ => ServerFrameVerdict.Forward,
            };
        }
        catch (MaskingException e)
        {
            // Fail closed: nothing more of this request reaches the client, and it is told why.
            _failure = e.Message;
            Finish();
            return ServerFrameVerdict.Drop;
        }
    }

    private ServerFrameVerdict OnRowDescription(in Frame frame, ArrayBufferWriter<byte> output)
    {
        var describe = TakeDescribeReply();
        if (describe is { Injected: false })
        {
            return ServerFrameVerdict.Forward;
        }

        if (!RowDescription.TryDecode(frame.Payload, out var description))
        {
            throw new MaskingException("malformed RowDescription");
        }

        var masking = describe is not null ? describe.Masking : replies.CurrentMasking();
        _executing = masking;
        StartResult(description, masking);

        // The reply to the gateway's own Describe is dropped; the notice, if any, goes in its place.
        var noticed = WriteRedactedNotice(output, describe?.Portal, describe?.Generation ?? 0);
        return describe is not null ? ServerFrameVerdict.Drop
            : noticed ? ServerFrameVerdict.Prepend
            : ServerFrameVerdict.Forward;
    }

    private ServerFrameVerdict OnNoData()
    {
        var describe = TakeDescribeReply();
        if (describe is not { Injected: true })
        {
            return ServerFrameVerdict.Forward;
        }

        _executing = describe.Masking;
        _columns = null;
        return ServerFrameVerdict.Drop;
    }

    // An error or notice can quote a value the statement read ("invalid input syntax for type
    // integer: \"123-45-6789\"", RAISE NOTICE in a function). For a statement that reads masked
    // values only its severity, SQLSTATE and position reach the client.
    private ServerFrameVerdict OnErrorOrNotice(BackendMessageType type, in Frame frame, ArrayBufferWriter<byte> output)
    {
        var masking = _executing ?? replies.CurrentMasking();
        if (type == BackendMessageType.ErrorResponse)
        {
            EndResult(suspended: false);
        }

        if (masking?.Plan is not ({ ReadsMaskedValues: true } or { MaskEveryColumn: true }) && replies.AnsweredCount < _withholdFrom)
        {
            return ServerFrameVerdict.Forward;
        }

        if (!ErrorResponse.TryDecode(frame.Payload, out var error))
        {
            throw new MaskingException("malformed ErrorResponse or NoticeResponse");
        }

        var kept = error.Fields.Where(f => f.Key is ErrorResponse.SeverityField or ErrorResponse.SeverityNonLocalizedField
            or ErrorResponse.CodeField or PositionField).ToList();
        kept.Add(new KeyValuePair<char, string>(ErrorResponse.MessageField,
            $"{error.SqlState}: the server's message was withheld because the statement reads masked columns"));
        using var builder = new MessageBuilder();
        output.Write(builder.ErrorOrNotice(type, new ErrorResponse(kept)).WrittenSpan);
        return ServerFrameVerdict.Replace;
    }

    // §55.8 Error and Notice Message Fields: 'P', the cursor position in the statement's text.
    private const char PositionField = 'P';

    private DescribeReply? TakeDescribeReply()
    {
        // Replies to a request the server gave up on (an error before Sync) never come.
        var group = replies.AnsweredCount;
        while (_describes.TryPeek(out var stale) && stale.Group < group)
        {
            _describes.TryDequeue(out _);
        }

        return _describes.TryPeek(out var next) && next.Group == group && _describes.TryDequeue(out next) ? next : null;
    }

    private void StartResult(RowDescription description, StatementMasking? masking)
    {
        var fields = description.Fields;
        var resolved = masking is null ? null : ResultLayout.Align(masking.Plan.ResultColumns, fields.Count);
        ColumnMasker?[]? columns = null;
        for (var i = 0; i < fields.Count; i++)
        {
            if (RuleFor(fields[i], masking, resolved is null ? null : resolved[i]) is { } rule)
            {
                columns ??= new ColumnMasker?[fields.Count];
                columns[i] = ColumnMasker.Create(rule, fields[i].TypeOid, fields[i].FormatCode, key, fields[i].Name,
                    _view!.TextTypes.Contains(fields[i].TypeOid));
            }
        }

        _columns = columns;
        _columnNames = columns is null ? [] : fields.Select(f => f.Name).ToArray();
        _counts = columns is null ? [] : new long[fields.Count];
        _redacted = columns is null ? [] : columns.Select((c, i) => c is { HidesNull: true } ? fields[i].Name : null).OfType<string>().ToArray();
    }

    /// <summary>
    /// The mask a result column gets, or null when its values go to the client as they are. A
    /// column with a table origin is that column's value, unchanged (PostgreSQL names an origin
    /// only for a plain column reference), so the origin decides. A column without one is clear
    /// only when the decision proved it clean (<paramref name="resolved"/>, the rule of the
    /// statement's result column at this position); when the columns could not be matched up, it
    /// is redacted if any result column of the statement is not proven clean.
    /// </summary>
    private MaskRule? RuleFor(FieldDescription field, StatementMasking? masking, int? resolved)
    {
        // No catalog yet: no statement was decided with one, so none needs masking.
        if (_view is not { } view)
        {
            return null;
        }

        var catalog = view.Catalog;
        if (masking?.Plan is { MaskEveryColumn: true })
        {
            return MaskRule.Derived;
        }

        if (field.TableOid != 0 && view.Origins.TryGetValue((field.TableOid, field.ColumnNumber), out var origin))
        {
            return catalog.RuleFor(origin);
        }

        // A whole row (SELECT c FROM customers c) names its table with attribute number 0.
        if (field.TableOid != 0 && field.ColumnNumber <= 0 && view.MaskedTables.Contains(field.TableOid))
        {
            return MaskRule.Derived;
        }

        if (field.TableOid == 0 && masking is not null)
        {
            var rule = resolved ?? (masking.Plan.MaskDerived ? MaskPlan.Redacted : MaskPlan.Clear);
            if (rule != MaskPlan.Clear)
            {
                return rule >= 0 && rule < catalog.Rules.Count ? catalog.Rules[rule] : MaskRule.Derived;
            }
        }

        return view.EveryTextColumn is { } everyText && (ColumnMasker.IsTextLike(field.TypeOid) || view.TextTypes.Contains(field.TypeOid))
            ? everyText
            : null;
    }

    private ServerFrameVerdict Finish()
    {
        if (_counts.Length > 0)
        {
            var counts = new List<MaskedValueCount>();
            for (var i = 0; i < _counts.Length; i++)
            {
                if (_counts[i] > 0)
                {
                    counts.Add(new MaskedValueCount(_columnNames[i], _counts[i]));
                }
            }

            _finished = counts;
        }

        _columns = null;
        _copy = null;
        _executing = null;
        _counts = [];
        _columnNames = [];
        return _failure is null ? ServerFrameVerdict.Forward : ServerFrameVerdict.Drop;
    }

    private ServerFrameVerdict OnReadyForQuery(in Frame frame, ArrayBufferWriter<byte> output)
    {
        Finish();
        if (frame.Payload.Length == 1 && frame.Payload.FirstSpan[0] == (byte)'I')
        {
            // Out of any transaction: every portal is gone.
            ForgetSuspendedResults();
        }

        if (replies.AnsweredCount >= _withholdFrom && frame.Payload.Length == 1 && frame.Payload.FirstSpan[0] == (byte)'I')
        {
            // The transaction that would materialize the cursor is over.
            _withholdFrom = long.MaxValue;
        }

        if (_failure is not { } failure)
        {
            return ServerFrameVerdict.Forward;
        }

        _failure = null;
        using var builder = new MessageBuilder();
        builder.ErrorResponse(Severity.Error, MaskingFailedSqlState, $"the result could not be masked, so it was withheld: {failure}");
        output.Write(builder.WrittenSpan);
        return ServerFrameVerdict.Prepend;
    }

}
