using Npgsql;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Catalog;

/// <summary>
/// What the role a target's upstream credentials log in as may do beyond its tables. A superuser
/// reads every file, catalog and TOAST table; a role that may create roles can make itself more;
/// either way the gateway's rules are then the only barrier between a client and everything.
/// </summary>
public sealed record UpstreamRolePowers(bool Superuser, bool CreateRole, bool BypassRowSecurity, bool Replication)
{
    /// <summary>More than a least-privileged role should have.</summary>
    public bool TooPowerful => Superuser || CreateRole || BypassRowSecurity || Replication;

    public string Describe() => string.Join(", ", new[]
    {
        Superuser ? "is a superuser" : null,
        CreateRole ? "may create roles" : null,
        BypassRowSecurity ? "bypasses row-level security" : null,
        Replication ? "may start replication" : null,
    }.OfType<string>());

    /// <summary>Why the check could not be made, in words fit for a log: no password, no upstream user name.</summary>
    public static string DescribeFailure(Exception failure, TargetOptions target) => UpstreamCatalogReader.DescribeFailure(failure, target);

    public static async Task<UpstreamRolePowers> ReadAsync(TargetOptions target, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(UpstreamCatalogReader.ConnectionString(target, "orleansgate-check"));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT rolsuper, rolcreaterole, rolbypassrls, rolreplication FROM pg_catalog.pg_roles WHERE rolname = current_user", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new UpstreamRolePowers(reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3))
            : new UpstreamRolePowers(false, false, false, false);
    }
}
