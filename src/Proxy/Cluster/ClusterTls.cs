using Orleans.Connections.Security;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Proxy.Cluster;

/// <summary>
/// The TLS every connection between the gateway's parts uses: both ends present a certificate and
/// both check the other's against the trusted set (<see cref="ClusterCertificates.Accepts"/>).
/// Silos use it for silo-to-silo and gateway connections, standalone proxies for theirs.
/// </summary>
public static class ClusterTls
{
    /// <summary>The name both ends use in the handshake; certificates are checked by content, not by host name.</summary>
    public const string TargetHost = "orleansgate";

    public static TlsOptions Options(ClusterCertificates certificates) => new()
    {
        LocalCertificate = certificates.Local,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (certificate, _, errors) => certificates.Accepts(certificate, errors),
        OnAuthenticateAsClient = (_, client) => client.TargetHost = TargetHost,
    };
}
