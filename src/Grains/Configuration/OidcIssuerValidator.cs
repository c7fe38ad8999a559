namespace OrleansGate.Grains.Configuration;

/// <summary>Checks <c>OrleansGate:Oidc</c>: each failure one line starting with its key.</summary>
public static class OidcIssuerValidator
{
    private static readonly TimeSpan LongestClockSkew = TimeSpan.FromMinutes(5);

    public static void Validate(List<OidcIssuerOptions> issuers, List<string> failures)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < issuers.Count; i++)
        {
            var issuer = issuers[i];
            var key = $"{GatewayOptions.Section}:Oidc:{i}";
            if (string.IsNullOrWhiteSpace(issuer.Issuer))
            {
                failures.Add($"{key}:Issuer: is required (the iss its tokens carry, e.g. https://login.example.com/)");
            }
            else if (!seen.TryAdd(issuer.Issuer, i))
            {
                failures.Add($"{key}:Issuer: the same issuer as {GatewayOptions.Section}:Oidc:{seen[issuer.Issuer]}:Issuer");
            }
            else if (!OidcIssuerOptions.IsAcceptableMetadataAddress(issuer.MetadataAddress))
            {
                var name = string.IsNullOrEmpty(issuer.JwksUri) ? "Issuer" : "JwksUri";
                failures.Add($"{key}:{name}: must be an https:// address (http:// only on loopback), got '{issuer.MetadataAddress}'");
            }

            if (string.IsNullOrWhiteSpace(issuer.Audience))
            {
                failures.Add($"{key}:Audience: is required (the aud a token for this gateway carries)");
            }

            if (string.IsNullOrWhiteSpace(issuer.NameClaim))
            {
                failures.Add($"{key}:NameClaim: cannot be empty");
            }

            if (string.IsNullOrWhiteSpace(issuer.GroupsClaim))
            {
                failures.Add($"{key}:GroupsClaim: cannot be empty");
            }

            for (var a = 0; a < issuer.AllowedAlgorithms.Count; a++)
            {
                if (!OidcIssuerOptions.AsymmetricAlgorithms.Contains(issuer.AllowedAlgorithms[a]))
                {
                    failures.Add($"{key}:AllowedAlgorithms:{a}: '{issuer.AllowedAlgorithms[a]}' is not an asymmetric JWS algorithm " +
                                 $"({string.Join(", ", OidcIssuerOptions.AsymmetricAlgorithms.Order(StringComparer.Ordinal))})");
                }
            }

            if (issuer.ClockSkew < TimeSpan.Zero || issuer.ClockSkew > LongestClockSkew)
            {
                failures.Add($"{key}:ClockSkew: must be between 00:00:00 and {LongestClockSkew} (got {issuer.ClockSkew})");
            }

            if (issuer.KeyRefreshInterval < TimeSpan.FromSeconds(1))
            {
                failures.Add($"{key}:KeyRefreshInterval: must be at least 00:00:01 (got {issuer.KeyRefreshInterval})");
            }

            foreach (var (value, group) in issuer.GroupMap)
            {
                if (string.IsNullOrWhiteSpace(group))
                {
                    failures.Add($"{key}:GroupMap:{value}: a group name cannot be empty");
                }
            }
        }
    }
}
