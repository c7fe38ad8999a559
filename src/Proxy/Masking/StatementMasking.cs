using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Masking;

/// <summary>How one forwarded statement's results are masked: its decision's plan and, for COPY, the row format.</summary>
internal sealed record StatementMasking(MaskPlan Plan, CopyRowFormat? CopyFormat, bool CopyHeader)
{
    public static StatementMasking For(MaskPlan plan, StatementInfo statement)
    {
        if (statement.Kind != StatementKind.CopyTo)
        {
            return new StatementMasking(plan, null, false);
        }

        var format = RowFormatOf(statement.CopyOptions);
        var header = statement.CopyOptions.Any(o => o.Name == "header" && o.Value is null or "true" or "on" or "1" or "match");
        return new StatementMasking(plan, format, header);
    }

    /// <summary>The text or CSV row format COPY's options ask for; null for binary, which cannot be masked.</summary>
    private static CopyRowFormat? RowFormatOf(IReadOnlyList<CopyOption> options)
    {
        var csv = false;
        foreach (var option in options)
        {
            if (option.Name == "format")
            {
                switch (option.Value?.ToLowerInvariant())
                {
                    case "binary":
                        return null;
                    case "csv":
                        csv = true;
                        break;
                }
            }
        }

        var format = csv ? CopyRowFormat.Csv : CopyRowFormat.Text;
        foreach (var option in options)
        {
            format = option.Name switch
            {
                "delimiter" => format with { Delimiter = SingleByte(option) },
                "quote" => format with { Quote = SingleByte(option) },
                "escape" => format with { Escape = SingleByte(option) },
                "null" => format with { NullString = option.Value ?? format.NullString },
                _ => format,
            };
        }

        // CSV's escape is its quote unless set.
        return csv && !options.Any(o => o.Name == "escape") ? format with { Escape = format.Quote } : format;
    }

    // PostgreSQL takes a one-byte character here; anything else it refuses itself, so masking need not cope.
    private static byte SingleByte(CopyOption option) =>
        option.Value is { Length: 1 } value && value[0] < 128 ? (byte)value[0] : throw new MaskingException($"COPY option {option.Name} must be one ASCII character to be masked");
}
