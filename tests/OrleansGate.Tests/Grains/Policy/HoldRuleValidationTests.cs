using Microsoft.Extensions.Configuration;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy;
using Xunit;

namespace OrleansGate.Tests.Grains.Policy;

/// <summary>The hold keys of a rule are checked at start-up; each problem is one line naming its key.</summary>
public sealed class HoldRuleValidationTests
{
    [Fact]
    public void Bad_hold_settings_are_reported_with_their_keys()
    {
        var options = new GatewayOptions
        {
            Policies =
            [
                new PolicyOptions
                {
                    Name = "p",
                    Rules =
                    [
                        new RuleOptions
                        {
                            Name = "r", Action = PolicyAction.Hold, ApproverGroups = ["a"], MinApprovals = 0, Timeout = TimeSpan.Zero,
                            BulkReadRows = -1, Conditions = [HoldCondition.UnboundedWrite],
                        },
                    ],
                },
            ],
        };

        var failures = new GatewayOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, options).Failures!.ToList();

        Assert.Contains("OrleansGate:Policies:0:Rules:0:MinApprovals: must be at least 1 (got 0)", failures);
        Assert.Contains("OrleansGate:Policies:0:Rules:0:Timeout: must be longer than zero (got 00:00:00)", failures);
        Assert.Contains("OrleansGate:Policies:0:Rules:0:BulkReadRows: must not be negative (got -1)", failures);
        Assert.Contains("OrleansGate:Policies:0:Rules:0:BulkReadRows: only used with the BulkRead condition; add it to Conditions", failures);
    }

    [Fact]
    public void A_rule_with_conditions_matches_only_when_one_holds()
    {
        var rule = new RuleOptions { Name = "r", Action = PolicyAction.Hold, ApproverGroups = ["a"], Conditions = [HoldCondition.ProductionDdl] };
        var subject = new SessionSubject("alice", ["analysts"], "main");
        var ddl = new OrleansGate.Grains.Statements.StatementInfo
        {
            Kind = OrleansGate.Grains.Statements.StatementKind.Ddl, Kinds = [OrleansGate.Grains.Statements.StatementKind.Ddl], Sql = "CREATE TABLE t ()",
        };

        Assert.True(PolicyEngine.Matches(rule, ddl, subject, new ConditionFacts(ProductionTarget: true)));
        Assert.False(PolicyEngine.Matches(rule, ddl, subject, new ConditionFacts(ProductionTarget: false)));
        Assert.False(PolicyEngine.Matches(rule, ddl, subject));
    }
}
