using System.Text;
using OrleansGate.Proxy.Protocol.Frontend;

namespace OrleansGate.Proxy.Relay;

/// <summary>How a Bind parameter is written into the audit record: text as text, binary as hex, both bounded.</summary>
internal static class ParameterText
{
    private const int MaxBytes = 8 * 1024;

    public static IReadOnlyList<string?> Of(IReadOnlyList<BindParameter> parameters) =>
        parameters.Select(p => p.Value is null ? null : Render(p.Value, p.IsBinary)).ToArray();

    private static string Render(byte[] value, bool binary)
    {
        var shown = value.AsSpan(0, Math.Min(value.Length, MaxBytes));
        var text = binary ? "\\x" + Convert.ToHexStringLower(shown) : Encoding.UTF8.GetString(shown);
        return value.Length > MaxBytes ? $"{text}… ({value.Length} bytes)" : text;
    }
}
