using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json;
using Marten;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Store;

/// <summary>
/// The audit store the reading commands work on: <c>OrleansGate:AuditStore:ConnectionString</c>
/// (and <c>Schema</c>) from <c>--config FILE</c>, or the <c>OrleansGate__AuditStore__ConnectionString</c>
/// environment variable. Errors name the host and database, never the password.
/// </summary>
internal sealed class AuditStoreAccess : IDisposable
{
    public const string ConnectionVariable = "OrleansGate__AuditStore__ConnectionString";

    private AuditStoreAccess(DocumentStore store, string where)
    {
        Store = store;
        Where = where;
    }

    public DocumentStore Store { get; }

    /// <summary>host:port/database, for messages.</summary>
    public string Where { get; }

    public static AuditStoreAccess Open(ParseResult parse, GlobalOptions globals)
    {
        var options = ToolConfiguration.Load(parse.GetValue(globals.Config)).AuditStore();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new CommandFailedException(
                $"no audit store: set OrleansGate:AuditStore:ConnectionString in the --config file (or {ConnectionVariable})");
        }

        string where;
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            where = $"{builder.Host}:{builder.Port}/{builder.Database}";
        }
        catch (ArgumentException)
        {
            throw new CommandFailedException("OrleansGate:AuditStore:ConnectionString is not a valid connection string");
        }

        return new AuditStoreAccess(AuditStore.Create(options, runsProjections: true), where);
    }

    /// <summary>Runs a read against the store, turning a connection failure into the one line the operator sees.</summary>
    public async Task<T> RunAsync<T>(Func<DocumentStore, Task<T>> work)
    {
        try
        {
            return await work(Store).ConfigureAwait(false);
        }
        catch (Exception e) when (Unreachable(e) is { } cause)
        {
            throw new CommandFailedException($"audit store {Where} is unreachable: {cause}");
        }
    }

    private static string? Unreachable(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException pg:
                    return $"{pg.SqlState}: {pg.MessageText}";
                case NpgsqlException or SocketException or TimeoutException:
                    return current.InnerException is SocketException socket ? socket.Message : current.Message;
            }
        }

        return null;
    }

    public void Dispose() => Store.Dispose();
}
