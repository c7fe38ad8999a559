using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Configuration;

/// <summary>Checks policies and the targets' references to them; one line per problem, starting with the key.</summary>
internal static class PolicyOptionsValidator
{
    public static void Validate(List<PolicyOptions> policies, List<TargetOptions> targets, List<string> failures)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < policies.Count; i++)
        {
            var key = $"{GatewayOptions.Section}:Policies:{i}";
            var policy = policies[i];
            if (string.IsNullOrWhiteSpace(policy.Name))
            {
                failures.Add($"{key}:Name: is required");
            }
            else if (!names.Add(policy.Name))
            {
                failures.Add($"{key}:Name: '{policy.Name}' is configured twice");
            }

            if (policy.ResultPreviewRows is < 0 or > PolicyOptions.MaxResultPreviewRows)
            {
                failures.Add($"{key}:ResultPreviewRows: must be 0 (off) to {PolicyOptions.MaxResultPreviewRows}");
            }

            ValidateMasks(policy.Masks, key, failures);
            ValidateRules(policy.Rules, key, failures);
        }

        for (var i = 0; i < targets.Count; i++)
        {
            if (targets[i].Policy is { Length: > 0 } policy && !names.Contains(policy))
            {
                failures.Add($"{GatewayOptions.Section}:Targets:{i}:Policy: no policy is named '{policy}'");
            }
        }
    }

    private static void ValidateMasks(List<MaskOptions> masks, string policyKey, List<string> failures)
    {
        for (var i = 0; i < masks.Count; i++)
        {
            var key = $"{policyKey}:Masks:{i}";
            var mask = masks[i];
            if (mask.Column == MaskOptions.EveryTextColumn)
            {
                if (mask.Detectors.Count == 0)
                {
                    failures.Add($"{key}:Detectors: a mask on every text column ('*') needs at least one detector");
                }
            }
            else if (mask.Column.Split('.') is not { Length: 3 } parts || parts.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"{key}:Column: must be schema.table.column or * (got '{mask.Column}')");
            }

            if (mask.KeepFirst < 0)
            {
                failures.Add($"{key}:KeepFirst: must not be negative");
            }

            if (masks[i].KeepLast < 0)
            {
                failures.Add($"{key}:KeepLast: must not be negative");
            }
        }
    }

    private static void ValidateRules(List<RuleOptions> rules, string policyKey, List<string> failures)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var safeDefaults = SafeDefaults.All.SelectMany(d => new[] { d.Name, d.RuleName })
            .Concat(Masking.MaskingDefaults.Liftable).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var key = $"{policyKey}:Rules:{i}";
            var rule = rules[i];
            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                failures.Add($"{key}:Name: is required");
            }
            else if (!names.Add(rule.Name))
            {
                failures.Add($"{key}:Name: '{rule.Name}' is used by another rule of this policy");
            }
            else if (rule.Name.StartsWith("default:", StringComparison.Ordinal))
            {
                failures.Add($"{key}:Name: names starting with 'default:' are reserved for the built-in rules");
            }

            if (rule.Action == PolicyAction.Hold && rule.ApproverGroups.Count == 0)
            {
                failures.Add($"{key}:ApproverGroups: a Hold rule needs at least one approver group");
            }

            if (rule.MinApprovals < 1)
            {
                failures.Add($"{key}:MinApprovals: must be at least 1 (got {rule.MinApprovals})");
            }

            if (rule.Timeout <= TimeSpan.Zero)
            {
                failures.Add($"{key}:Timeout: must be longer than zero (got {rule.Timeout})");
            }

            if (rule.BulkReadRows is < 0)
            {
                failures.Add($"{key}:BulkReadRows: must not be negative (got {rule.BulkReadRows})");
            }

            if (rule.BulkReadRows is not null && !rule.Conditions.Contains(HoldCondition.BulkRead))
            {
                failures.Add($"{key}:BulkReadRows: only used with the BulkRead condition; add it to Conditions");
            }

            if (rule.Overrides.Count > 0 && rule.Action != PolicyAction.Allow)
            {
                failures.Add($"{key}:Overrides: only an Allow rule can lift built-in rules");
            }

            for (var j = 0; j < rule.Overrides.Count; j++)
            {
                if (!safeDefaults.Contains(rule.Overrides[j]))
                {
                    failures.Add($"{key}:Overrides:{j}: '{rule.Overrides[j]}' is not a built-in rule (known: " +
                                 string.Join(", ", SafeDefaults.All.Select(d => d.Name).Concat(Masking.MaskingDefaults.Liftable)) + ")");
                }
            }
        }
    }
}
