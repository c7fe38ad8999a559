using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>A COPY of masked columns is held by default; once approved it runs, and masking still applies to its rows.</summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class ApprovedMaskedCopyTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string PolicyJson => """
        { "Name": "shop",
          "Masks": [
            { "Column": "public.customers.ssn", "Strategy": "Redact" },
            { "Column": "public.customers.email", "Strategy": "Email" },
            { "Column": "public.customers.card_number", "Strategy": "Partial", "KeepLast": 4 }
          ],
          "ApproverGroups": ["approvers"],
          "Rules": [] }
        """;

    [Fact]
    public async Task An_approved_copy_of_a_masked_table_delivers_masked_rows()
    {
        await using var connection = await OpenViaGatewayAsync();
        var copying = Task.Run(async () =>
        {
            using var reader = await connection.BeginTextExportAsync("COPY customers (id, name, ssn, email, card_number) TO STDOUT");
            return await reader.ReadToEndAsync();
        });

        var request = await PendingApprovals.WaitForAsync(Gateway.Services.GetRequiredService<IGrainFactory>(),
            sql => sql.StartsWith("COPY customers", StringComparison.Ordinal), "the COPY");
        Assert.Equal("masking:copy-out", request.Rule);
        await Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IApprovalGrain>(request.Id)
            .ApproveVouchedAsync(new Approver("bob", ["approvers"]), "masked export", null);

        var copied = await copying.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(
            "1\tAnn\t****\t****@example.com\t************1111\n" +
            "2\tBob\t****\t****@example.org\t************0004\n" +
            "3\tCy\t****\t****@example.net\t***********0009\n", copied);
    }

    [Fact]
    public async Task An_approved_copy_of_a_computed_column_is_preceded_by_the_warning_that_it_is_redacted()
    {
        await using var connection = await OpenViaGatewayAsync();
        var notices = new List<PostgresNotice>();
        connection.Notice += (_, e) => notices.Add(e.Notice);
        var copying = Task.Run(async () =>
        {
            using var reader = await connection.BeginTextExportAsync("COPY (SELECT id, lower(ssn) FROM customers ORDER BY id) TO STDOUT");
            return await reader.ReadToEndAsync();
        });

        var request = await PendingApprovals.WaitForAsync(Gateway.Services.GetRequiredService<IGrainFactory>(),
            sql => sql.StartsWith("COPY (SELECT id, lower", StringComparison.Ordinal), "the COPY");
        await Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IApprovalGrain>(request.Id)
            .ApproveVouchedAsync(new Approver("bob", ["approvers"]), "counts for the report", null);

        Assert.Equal("1\t****\n2\t****\n3\t****\n", await copying.WaitAsync(TimeSpan.FromSeconds(30)));
        var warning = Assert.Single(notices, n => n.SqlState == "01000");
        Assert.StartsWith("result column \"column 2\" is computed from masked columns", warning.MessageText, StringComparison.Ordinal);
    }
}
