using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// Nobody but the gateway's own parts talks to its grains. An Orleans client that reaches a silo's
/// ports — without a certificate, or with one the cluster does not trust — is refused before it
/// can call anything (an approval grain's approve, a session grain's record), in both modes. The
/// same client with the cluster's certificate connects, so the refusals are the certificate's doing.
/// </summary>
public sealed class OutsideClientTests(PostgresFixture postgres) : ClusterTestBase(postgres)
{
    [Fact]
    public async Task A_cluster_silo_refuses_a_client_without_the_clusters_certificate()
    {
        var silo = await StartSiloAsync();
        var gateway = new IPEndPoint(IPAddress.Loopback, silo.Services.GetRequiredService<IOptions<EndpointOptions>>().Value.GatewayPort);
        using var stranger = TestCertificate.Create("orleansgate");

        await AssertRefusedAsync(gateway, certificate: null, ClusterId);
        await AssertRefusedAsync(gateway, stranger, ClusterId);

        // The control: with the cluster's certificate the same client gets in.
        await using var member = await ConnectAsync(gateway, ClusterCertificate, ClusterId);
        Assert.Null(await member.Services.GetRequiredService<IClusterClient>().GetGrain<IApprovalGrain>("nothing-here").GetAsync());
    }

    [Fact]
    public async Task An_all_in_one_gateway_takes_no_orleans_client_at_all()
    {
        await using var gateway = await TestGateway.StartAsync(GatewayConfig.Standard(Postgres, Database));
        var endpoints = gateway.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;

        // No gateway port is opened, and the silo port speaks only mutual TLS with the gateway's own certificate.
        Assert.Equal(0, endpoints.GatewayPort);
        var silo = new IPEndPoint(IPAddress.Loopback, endpoints.SiloPort);
        await AssertRefusedAsync(silo, certificate: null, "orleansgate");
        await AssertRefusedAsync(silo, ClusterCertificate, "orleansgate");
    }

    private static async Task AssertRefusedAsync(IPEndPoint endpoint, TestCertificate? certificate, string clusterId)
    {
        var failure = await Record.ExceptionAsync(async () =>
        {
            // The member's client connects in well under a second; a stranger gets an error, or nothing.
            await using var client = await ConnectAsync(endpoint, certificate, clusterId, TimeSpan.FromSeconds(6));
            // Connected after all: then no call may go through either.
            await client.Services.GetRequiredService<IClusterClient>().GetGrain<IApprovalGrain>("forged")
                .ApproveAsync(new Approver("mallory", ["approvers"]), "forged", null).WaitAsync(TimeSpan.FromSeconds(10));
        });

        Assert.NotNull(failure);
    }

    private static async Task<OutsideClient> ConnectAsync(IPEndPoint endpoint, TestCertificate? certificate, string clusterId, TimeSpan? timeout = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoint);
            client.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "orleansgate";
            });
            if (certificate is not null)
            {
                client.UseTls(certificate.Certificate, o =>
                {
                    o.AllowAnyRemoteCertificate();
                    o.OnAuthenticateAsClient = (_, auth) => auth.TargetHost = "orleansgate";
                });
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(20));
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new OutsideClient(host);
    }

    private sealed class OutsideClient(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stop.Token).ConfigureAwait(false);
            host.Dispose();
        }
    }
}
