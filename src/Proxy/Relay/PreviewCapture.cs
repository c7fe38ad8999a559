using System.Buffers;
using System.Text;
using OrleansGate.Grains.Sessions;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// Keeps the first rows of each result, as the client receives them (after masking), for the
/// record (<see cref="ResultPreview"/>). Fed RowDescription and DataRow payloads by the server
/// loop; <see cref="Take"/> at the statement's end hands over what it kept and starts afresh.
/// Past <c>maxRows</c> rows a DataRow costs one comparison.
/// </summary>
internal sealed class PreviewCapture(int maxRows, int maxValueChars = PreviewCapture.DefaultMaxValueChars)
{
    public const int DefaultMaxValueChars = 200;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private string[] _columns = [];
    private short[] _formats = [];
    private List<IReadOnlyList<string?>>? _rows;
    private bool _more;

    /// <summary>A RowDescription: a new result starts (§55.7 RowDescription).</summary>
    public void OnRowDescription(in ReadOnlySequence<byte> payload)
    {
        _rows = null;
        _more = false;
        if (RowDescription.TryDecode(payload, out var description))
        {
            _columns = description.Fields.Select(f => f.Name).ToArray();
            _formats = description.Fields.Select(f => f.FormatCode).ToArray();
        }
    }

    public void OnDataRow(in ReadOnlySequence<byte> payload)
    {
        if (_rows is { } kept && kept.Count >= maxRows)
        {
            _more = true;
            return;
        }

        var reader = new DataRowReader(payload);
        if (!reader.IsValid)
        {
            return;
        }

        var values = new string?[reader.ColumnCount];
        for (var i = 0; i < values.Length; i++)
        {
            if (!reader.TryReadColumn(out var value, out var isNull))
            {
                return;
            }

            values[i] = isNull ? null : Render(value, i < _formats.Length ? _formats[i] : (short)0);
        }

        (_rows ??= new List<IReadOnlyList<string?>>(Math.Min(maxRows, 32))).Add(values);
    }

    /// <summary>The statement ended: what was kept of its result, if anything.</summary>
    public ResultPreview? Take()
    {
        var preview = _rows is { Count: > 0 } rows ? new ResultPreview(_columns, rows, _more) : null;
        _rows = null;
        _more = false;
        // A prepared statement executed again gets no RowDescription; its names are not guessed.
        _columns = [];
        _formats = [];
        return preview;
    }

    /// <summary>
    /// Text format is UTF-8 (client_encoding is UTF8 through the gateway). A format code of 0 can
    /// still hide binary values when the names came from a statement Describe (formats are chosen
    /// at Bind), so bytes that are not clean text are shown as hex too.
    /// </summary>
    private string Render(in ReadOnlySequence<byte> value, short format)
    {
        var bytes = value.Length <= maxValueChars * 4L ? value.ToArray() : value.Slice(0, maxValueChars * 4L).ToArray();
        var cut = value.Length > bytes.Length;
        if (format == 0)
        {
            try
            {
                var text = StrictUtf8.GetString(bytes);
                if (!text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
                {
                    return text.Length > maxValueChars ? text[..maxValueChars] + "…" : cut ? text + "…" : text;
                }
            }
            catch (DecoderFallbackException) when (cut)
            {
                // The cut fell inside a character: show what decodes.
                return StrictUtf8.GetString(bytes, 0, Math.Max(0, bytes.Length - 3)) + "…";
            }
            catch (DecoderFallbackException)
            {
            }
        }

        var hexBytes = Math.Min(bytes.Length, maxValueChars / 2);
        return "\\x" + Convert.ToHexStringLower(bytes, 0, hexBytes) + (hexBytes < value.Length ? "…" : "");
    }
}
