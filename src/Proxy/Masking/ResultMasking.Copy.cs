using System.Buffers;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Masking;
using OrleansGate.Proxy.Protocol;

namespace OrleansGate.Proxy.Masking;

/// <summary>COPY TO STDOUT: the CopyOutResponse read for the columns' formats, each CopyData row masked.</summary>
internal sealed partial class ResultMasking
{
    private ServerFrameVerdict OnCopyOut(in ReadOnlySequence<byte> payload, ArrayBufferWriter<byte> output)
    {
        var masking = _executing ?? replies.CurrentMasking();
        _copy = null;
        if (masking is null)
        {
            return ServerFrameVerdict.Forward;
        }

        var reader = new PayloadReader(payload);
        if (!reader.TryReadByte(out var overall) || !reader.TryReadInt16(out var count) || count < 0)
        {
            throw new MaskingException("malformed CopyOutResponse");
        }

        // COPY of a table: each column by the catalog; COPY (query): each result column as resolved,
        // every column redacted when they cannot be matched up and one of them is not proven clean.
        var plan = masking.Plan;
        var rules = plan.MaskEveryColumn ? Enumerable.Repeat(MaskPlan.Redacted, count).ToArray()
            : plan.CopyColumnRules.Count > 0 ? plan.CopyColumnRules.Concat(Enumerable.Repeat(MaskPlan.Redacted, count)).Take(count).ToArray()
            : ResultLayout.Align(plan.ResultColumns, count)
              ?? Enumerable.Repeat(plan.MaskDerived ? MaskPlan.Redacted : MaskPlan.Clear, count).ToArray();
        if (rules.All(r => r == MaskPlan.Clear))
        {
            return ServerFrameVerdict.Forward;
        }

        if (overall != 0 || masking.CopyFormat is null)
        {
            throw new MaskingException("a binary COPY of masked columns cannot be masked");
        }

        var catalog = _view?.Catalog ?? throw new MaskingException("no masking catalog");
        var maskers = new ColumnMasker?[count];
        for (var i = 0; i < count; i++)
        {
            var rule = rules[i] == MaskPlan.Clear ? null
                : rules[i] >= 0 && rules[i] < catalog.Rules.Count ? catalog.Rules[rules[i]]
                : MaskRule.Derived;
            // COPY's text is each type's text output; masked as text whatever the column's type.
            maskers[i] = rule is null ? null : ColumnMasker.Create(rule, TextTypeOid, 0, key);
        }

        _copy = new CopyRowMasker(masking.CopyFormat, maskers);
        _copyMasked = maskers.Select(m => m is not null).ToArray();
        _copyRowsToSkip = masking.CopyHeader ? 1 : 0;
        _columnNames = Enumerable.Range(1, count).Select(i => $"column {i}").ToArray();
        _counts = new long[count];
        _redacted = maskers.Select((m, i) => m is { HidesNull: true } ? _columnNames[i] : null).OfType<string>().ToArray();
        return WriteRedactedNotice(output, portal: null, generation: 0) ? ServerFrameVerdict.Prepend : ServerFrameVerdict.Forward;
    }

    private const uint TextTypeOid = 25;

    private ServerFrameVerdict RewriteCopyRow(in ReadOnlySequence<byte> payload, ArrayBufferWriter<byte> buffer)
    {
        if (_copyRowsToSkip > 0)
        {
            _copyRowsToSkip--;
            return ServerFrameVerdict.Forward;
        }

        var start = buffer.WrittenCount;
        var header = buffer.GetSpan(5);
        header[0] = (byte)BackendMessageType.CopyData;
        buffer.Advance(5);
        _copy!.Mask(SpanOf(payload), buffer);
        PatchInt32(buffer, start + 1, buffer.WrittenCount - start - 1);
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += _copyMasked[i] ? 1 : 0;
        }

        return ServerFrameVerdict.Replace;
    }
}
