using System.Buffers;
using OrleansGate.Proxy.Protocol;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// A result column computed from masked values reads as placeholders: <c>count(email)</c> is 0,
/// <c>upper(ssn)</c> is <c>****</c>. A person or a BI tool would take those for answers, so the
/// result is preceded by a WARNING that names the columns and says their values are not real.
/// </summary>
internal sealed partial class ResultMasking
{
    // The warning of the result being relayed, and of the last one that stopped at PortalSuspended:
    // the next Execute of a portal read in chunks continues that result, and is not warned again.
    private string? _resultNotice;
    private string? _suspendedNotice;

    /// <summary>Writes the warning for the result just started, when it has redacted computed columns; true when written.</summary>
    private bool WriteRedactedNotice(ArrayBufferWriter<byte> output)
    {
        _resultNotice = _redacted.Length == 0 ? null : RedactedNotice(_redacted);
        _redacted = [];
        if (_resultNotice is null || _resultNotice == _suspendedNotice)
        {
            return false;
        }

        using var builder = new MessageBuilder();
        builder.NoticeResponse(SqlState.Warning, _resultNotice,
            detail: "A value computed from a masked value could reveal it, so it is redacted whole: numbers read as 0, text as ****, and a NULL reads the same as any other value.",
            hint: "Select the masked column itself to see its masked form, or ask a policy owner for an exemption.",
            severity: Severity.Warning);
        output.Write(builder.WrittenSpan);
        return true;
    }

    private static string RedactedNotice(string[] columns)
    {
        var names = string.Join(", ", columns.Select(n => $"\"{n}\""));
        return columns.Length == 1
            ? $"result column {names} is computed from masked columns, so the gateway replaced its values with placeholders: they are not the real results"
            : $"result columns {names} are computed from masked columns, so the gateway replaced their values with placeholders: they are not the real results";
    }

    private ServerFrameVerdict EndResult(bool suspended)
    {
        _suspendedNotice = suspended ? _resultNotice : null;
        return Finish();
    }
}
