using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// How a policy says read-only, for the analysts (alice): <c>{ "Kinds": ["Write"], "Action": "Block" }</c>.
/// Beside the audit tests' tables, a sequence and a volatile function that writes, for the
/// attempts to get a write past it.
/// </summary>
public abstract class ReadOnlyPolicyTestBase(PostgresFixture postgres) : AuditTestBase(postgres)
{
    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + """

        CREATE SEQUENCE counter;
        CREATE FUNCTION log_secret(s secrets) RETURNS int LANGUAGE sql VOLATILE
          AS $$ INSERT INTO touches (note) VALUES (s.value) RETURNING 1 $$;
        """;

    protected override void Configure(JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "main", "Rules": [
              { "Name": "read-only", "Groups": ["analysts"], "Kinds": ["Write"], "Action": "Block" } ] }
            """);
}
