using System.Buffers;
using OrleansGate.Proxy.Protocol;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// A result column computed from masked values reads as placeholders: <c>count(email)</c> is 0,
/// <c>upper(ssn)</c> is <c>****</c>. A person or a BI tool would take those for answers, so the
/// result is preceded by a WARNING that names the columns and says their values are not real.
/// </summary>
/// <remarks>
/// Once per result: a portal read in chunks (an Execute with a row limit, PortalSuspended, the next
/// Execute of the same portal) is warned at its first chunk only. The decision point numbers each
/// binding of a portal name (a Bind; a Close or a Query forgets them all, since SQL can DECLARE
/// and CLOSE cursors and end transactions): only the same binding is the same result.
/// </remarks>
internal sealed partial class ResultMasking
{
    // Server loop only. The portal of the result being relayed and its warning; the warnings of
    // portals that stopped at PortalSuspended, by name.
    private string? _resultPortal;
    private long _resultGeneration;
    private string? _resultNotice;
    private readonly Dictionary<string, (long Generation, string Notice)> _suspendedNotices = new(StringComparer.Ordinal);

    /// <summary>
    /// Writes the warning for the result just started (of binding <paramref name="generation"/> of
    /// <paramref name="portal"/> when the gateway's own Describe announced it), when it has
    /// redacted computed columns and is not the rest of a portal already warned; true when written.
    /// </summary>
    private bool WriteRedactedNotice(ArrayBufferWriter<byte> output, string? portal, long generation)
    {
        _resultPortal = portal;
        _resultGeneration = generation;
        _resultNotice = _redacted.Length == 0 ? null : RedactedNotice(_redacted);
        _redacted = [];
        var continued = portal is not null && _suspendedNotices.TryGetValue(portal, out var warned)
            && warned.Generation == generation && warned.Notice == _resultNotice;
        if (portal is not null)
        {
            _suspendedNotices.Remove(portal);
        }

        if (_resultNotice is null || continued)
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
        if (suspended && _resultPortal is not null && _resultNotice is not null)
        {
            _suspendedNotices[_resultPortal] = (_resultGeneration, _resultNotice);
        }

        (_resultPortal, _resultNotice) = (null, null);
        return Finish();
    }

    private void ForgetSuspendedResults() => _suspendedNotices.Clear();
}
