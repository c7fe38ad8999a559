using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Catalog;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Catalog;

/// <summary>A gateway in front of a class database, with the catalog grains of its targets at hand.</summary>
public abstract class CatalogTestBase(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    protected ICatalogGrain CatalogOf(string target) =>
        Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<ICatalogGrain>(target);

    /// <summary>The (OID, attnum) PostgreSQL itself gives <paramref name="relation"/>.<paramref name="column"/>, read directly.</summary>
    protected async Task<(uint Oid, short AttributeNumber)> AttributeAsync(string relation, string column)
    {
        await using var connection = await OpenDirectAsync();
        await using var command = new NpgsqlCommand(
            "SELECT attrelid, attnum FROM pg_attribute WHERE attrelid = $1::text::regclass AND attname = $2 AND NOT attisdropped", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = relation });
        command.Parameters.Add(new NpgsqlParameter { Value = column });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"{relation}.{column} does not exist");
        return (reader.GetFieldValue<uint>(0), reader.GetInt16(1));
    }

    /// <summary>The catalog's origin for the column, or null when the column is not masked.</summary>
    protected async Task<MaskedOrigin?> OriginAsync(MaskingCatalog catalog, string relation, string column)
    {
        var (oid, attnum) = await AttributeAsync(relation, column);
        return catalog.Origins.SingleOrDefault(o => o.TableOid == oid && o.AttributeNumber == attnum);
    }

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    protected static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
