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

        var format = CopyRowFormat.FromOptions(statement.CopyOptions.Select(o => (o.Name, o.Value)));
        var header = statement.CopyOptions.Any(o => o.Name == "header" && o.Value is null or "true" or "on" or "1" or "match");
        return new StatementMasking(plan, format, header);
    }
}
