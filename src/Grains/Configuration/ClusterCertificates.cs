using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansGate.Grains.Configuration;

/// <summary>
/// The certificate this node presents to the other parts of the gateway, and the check a peer's
/// certificate must pass: it is one of the trusted certificates, or chains to one of them as its
/// root (revocation is not checked: the trusted set is the gateway's own, not a public PKI).
/// </summary>
public sealed class ClusterCertificates
{
    private ClusterCertificates(X509Certificate2 local, X509Certificate2Collection trusted)
    {
        Local = local;
        Trusted = trusted;
    }

    public X509Certificate2 Local { get; }

    public X509Certificate2Collection Trusted { get; }

    /// <summary>Loads the configured certificates; throws <see cref="ClusterCertificateException"/> with one line naming the key.</summary>
    public static ClusterCertificates Load(ClusterTlsOptions options)
    {
        const string section = ClusterOptions.Section + ":Tls";
        if (string.IsNullOrWhiteSpace(options.CertificateFile))
        {
            throw new ClusterCertificateException($"{section}:CertificateFile: is required in Cluster mode (silos and proxies authenticate each " +
                                                  "other with it; see docs/configuration.md#orleansgateclustertls)");
        }

        X509Certificate2 local;
        try
        {
            local = options.KeyFile is { Length: > 0 } key
                ? X509Certificate2.CreateFromPemFile(options.CertificateFile, key)
                : X509CertificateLoader.LoadPkcs12FromFile(options.CertificateFile, options.CertificatePassword);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ClusterCertificateException($"{section}:CertificateFile: cannot be loaded ({e.Message.ReplaceLineEndings(" ")})");
        }

        if (!local.HasPrivateKey)
        {
            throw new ClusterCertificateException($"{section}:CertificateFile: has no private key (give a PKCS#12 file, or KeyFile for a PEM certificate)");
        }

        var trusted = new X509Certificate2Collection();
        for (var i = 0; i < options.TrustedCertificateFiles.Count; i++)
        {
            try
            {
                trusted.Add(X509CertificateLoader.LoadCertificateFromFile(options.TrustedCertificateFiles[i]));
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new ClusterCertificateException($"{section}:TrustedCertificateFiles:{i}: cannot be loaded ({e.Message.ReplaceLineEndings(" ")})");
            }
        }

        if (trusted.Count == 0)
        {
            trusted.Add(X509CertificateLoader.LoadCertificate(local.RawData));
        }

        return new ClusterCertificates(local, trusted);
    }

    /// <summary>
    /// An all-in-one gateway's own certificate, made at start-up and trusted alone: its silo port
    /// then answers nothing but itself.
    /// </summary>
    public static ClusterCertificates Ephemeral()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=orleansgate-all-in-one", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(10));
        // Through PKCS#12 so that SslStream can use the key on every platform.
        var local = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        return new ClusterCertificates(local, [X509CertificateLoader.LoadCertificate(local.RawData)]);
    }

    /// <summary>A peer's certificate is accepted when it is a trusted certificate, or chains to one as its root.</summary>
    public bool Accepts(X509Certificate2 remote, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        foreach (var trusted in Trusted)
        {
            if (trusted.RawData.AsSpan().SequenceEqual(remote.RawData))
            {
                return true;
            }
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(remote);
    }
}

/// <summary>A cluster certificate setting that cannot be used; its message is one line naming the key.</summary>
public sealed class ClusterCertificateException(string message) : Exception(message);
