using OrleansGate.Grains.Sessions;
using OrleansGate.Proxy.Sql;

namespace OrleansGate.Tests.Support;

/// <summary>The requests a proxy sends a session grain for one simple-protocol Query message, for tests that call the grain directly.</summary>
public static class QueryRequests
{
    private static readonly SqlParser Parser = new();

    public static StatementRequest[] Of(string sql) =>
        Parser.Parse(sql).Select(s => new StatementRequest(s, StatementPhase.Query, [])).ToArray();
}
