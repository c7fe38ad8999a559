namespace OrleansGate.Proxy.Masking;

/// <summary>
/// A value the masker could not rewrite (invalid UTF-8, an unexpected binary layout, a COPY row
/// that does not match its columns). Masking never fails open: the caller must not forward the
/// clear value, so the result is refused instead.
/// </summary>
public sealed class MaskingException(string message) : Exception(message)
{
    internal static MaskingException ForValue(string column, uint typeOid, string problem) =>
        new($"cannot mask column '{column}' (type oid {typeOid}): {problem}");
}
