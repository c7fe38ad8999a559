using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Masking;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>
/// The built-in hold of COPY of masked columns: approvable by the policy's ApproverGroups, and the
/// held decision keeps its mask plan (so the rows are masked once it is approved).
/// </summary>
public sealed class MaskedCopyHoldTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string PolicyJson => """
        { "Name": "shop",
          "Masks": [ { "Column": "public.customers.ssn", "Strategy": "Redact" } ],
          "ApproverGroups": ["approvers"],
          "Rules": [] }
        """;

    [Fact]
    public async Task A_masked_copy_is_held_for_the_policys_approvers_with_its_mask_plan()
    {
        var record = await CopyAsync();

        var decision = record.Single(e => e.IsDecision && e.Text("Rule") == "masking:copy-out");
        Assert.Equal("Hold", decision.Text("Action"));
        Assert.Contains("public.customers.ssn", decision.Data.GetProperty("MaskedColumns").ToString(), StringComparison.Ordinal);
        var requested = record.Single(e => e.Type == "approval_requested");
        Assert.Equal("[\"approvers\"]", requested.Data.GetProperty("ApproverGroups").GetRawText());
        var grains = Gateway.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IApprovalGrain>(requested.Text("ApprovalId")).WithdrawAsync("test over");
    }

    private async Task<List<RecordedEvent>> CopyAsync()
    {
        var app = "masked-copy-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await OpenViaGatewayAsync(b =>
                     {
                         b.ApplicationName = app;
                         b.CommandTimeout = 5;
                     }))
        {
            try
            {
                // A query's COPY names its columns, so the record shows the plan's masked columns.
                using var reader = await connection.BeginTextExportAsync("COPY (SELECT id, ssn FROM customers) TO STDOUT");
                await reader.ReadToEndAsync();
            }
            catch (Exception e) when (e is PostgresException or NpgsqlException)
            {
            }
        }

        return await AuditRecord.EndedSessionOfApplicationAsync(Postgres, app);
    }
}

/// <summary>Without approver groups in the policy nobody can approve a masked COPY: it is refused like a block.</summary>
public sealed class UnapprovableMaskedCopyTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string PolicyJson => """
        { "Name": "shop", "Masks": [ { "Column": "public.customers.ssn", "Strategy": "Redact" } ], "Rules": [] }
        """;

    [Fact]
    public async Task A_masked_copy_nobody_can_approve_is_refused_and_says_why()
    {
        await using var connection = await OpenViaGatewayAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            using var reader = await connection.BeginTextExportAsync("COPY customers TO STDOUT");
            await reader.ReadToEndAsync();
        });

        Assert.Equal("42501", error.SqlState);
        Assert.Contains("no approver group can approve it", error.MessageText, StringComparison.Ordinal);
    }
}
