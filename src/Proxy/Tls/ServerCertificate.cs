using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansGate.Proxy.Configuration;

namespace OrleansGate.Proxy.Tls;

/// <summary>
/// The certificate the gateway shows to clients that ask for TLS: a PKCS#12 file, or a PEM
/// certificate (with its chain) and a PEM key. Loaded once at start-up, so a bad file stops
/// the process instead of failing the first client.
/// </summary>
public sealed class ServerCertificate
{
    private ServerCertificate(SslStreamCertificateContext context)
    {
        Context = context;
        ChannelBinding = EndPointHash(context.TargetCertificate);
    }

    public SslStreamCertificateContext Context { get; }

    /// <summary>
    /// The <c>tls-server-end-point</c> channel binding data (RFC 5929 §4.1): the certificate hashed
    /// with its signature's hash, SHA-256 for MD5 and SHA-1. Null when that hash cannot be told
    /// (RSASSA-PSS, EdDSA: PostgreSQL does not bind to those either); SCRAM-SHA-256-PLUS is then not offered.
    /// </summary>
    public byte[]? ChannelBinding { get; }

    public static byte[]? EndPointHash(X509Certificate2 certificate)
    {
        HashAlgorithmName? hash = certificate.SignatureAlgorithm.Value switch
        {
            // md5/sha1/sha256 with RSA, ECDSA with SHA-1/SHA-256, DSA with SHA-1/SHA-256
            "1.2.840.113549.1.1.4" or "1.2.840.113549.1.1.5" or "1.2.840.113549.1.1.11" or "1.2.840.10045.4.1"
                or "1.2.840.10045.4.3.2" or "1.2.840.10040.4.3" or "2.16.840.1.101.3.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (hash is not { } algorithm)
        {
            return null;
        }

        using var hasher = IncrementalHash.CreateHash(algorithm);
        hasher.AppendData(certificate.RawData);
        return hasher.GetHashAndReset();
    }

    public static ServerCertificate? Load(ProxyTlsOptions options)
    {
        if (!options.Enabled)
        {
            return null;
        }

        try
        {
            return LoadFiles(options);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InvalidConfigurationException($"{ProxyOptions.Section}:Tls:CertificatePath",
                $"could not load the certificate '{options.CertificatePath}': {e.Message}", e);
        }
    }

    private static ServerCertificate LoadFiles(ProxyTlsOptions options)
    {
        var path = options.CertificatePath!;
        X509Certificate2 certificate;
        var chain = new X509Certificate2Collection();
        if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, options.Password);
        }
        else
        {
            certificate = X509Certificate2.CreateFromPemFile(path, string.IsNullOrEmpty(options.KeyPath) ? null : options.KeyPath);
            chain.ImportFromPemFile(path);
            chain.RemoveAt(0);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new InvalidConfigurationException($"{ProxyOptions.Section}:Tls:KeyPath", "the certificate has no private key");
        }

        return new ServerCertificate(SslStreamCertificateContext.Create(certificate, chain, offline: true));
    }
}
