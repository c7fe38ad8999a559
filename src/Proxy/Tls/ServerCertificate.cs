using System.Net.Security;
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
    private ServerCertificate(SslStreamCertificateContext context) => Context = context;

    public SslStreamCertificateContext Context { get; }

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
