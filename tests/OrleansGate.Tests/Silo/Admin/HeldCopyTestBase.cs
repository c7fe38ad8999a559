using System.Diagnostics;
using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// A target whose policy holds every COPY TO for the approvers group, with three customers to
/// copy, and psql as alice starting that COPY and waiting on it.
/// </summary>
public abstract class HeldCopyTestBase(PostgresFixture postgres) : AdminTestBase(postgres)
{
    protected const string HeldCopy = "COPY customers TO STDOUT";

    /// <summary>What psql prints once the COPY is approved.</summary>
    protected const string CopiedRows = "1\tAnn\n2\tBob\n3\tCy\n";

    protected override string SetUpDatabaseSql => """
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
        INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy');
        """;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "held", "Rules": [
              { "Name": "hold-copy-out", "Kinds": ["CopyTo"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);
    }

    /// <summary>psql as alice running <see cref="HeldCopy"/>; it waits until the request is decided.</summary>
    protected Process StartHeldCopy(out Task<string> stdout, out Task<string> stderr)
    {
        var psql = Process.Start(new ProcessStartInfo("psql")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            ArgumentList = { "-X", "-v", "ON_ERROR_STOP=1", "-c", HeldCopy, Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main") },
        })!;
        stdout = psql.StandardOutput.ReadToEndAsync();
        stderr = psql.StandardError.ReadToEndAsync();
        return psql;
    }
}
