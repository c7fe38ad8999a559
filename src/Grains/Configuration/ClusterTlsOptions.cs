namespace OrleansGate.Grains.Configuration;

/// <summary>
/// <c>OrleansGate:Cluster:Tls</c>: the certificate each silo and standalone proxy presents to the
/// others, and the certificates it accepts from them. Silo-to-silo and proxy-to-silo connections
/// are mutual TLS: a peer without an accepted certificate is refused before it can call a grain.
/// Required in Cluster mode; an all-in-one gateway makes a certificate of its own at start-up.
/// </summary>
public sealed class ClusterTlsOptions
{
    /// <summary>A PKCS#12 file (.pfx / .p12, with <see cref="CertificatePassword"/>) or a PEM certificate (with <see cref="KeyFile"/>).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="CertificateFile"/>, when it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// PEM or DER certificates a peer's certificate must be, or be issued by (a CA). Empty: a peer
    /// must present this node's own certificate (one certificate shared by the whole cluster).
    /// </summary>
    public List<string> TrustedCertificateFiles { get; set; } = [];
}
