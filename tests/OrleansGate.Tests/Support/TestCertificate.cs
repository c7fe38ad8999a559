using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace OrleansGate.Tests.Support;

/// <summary>
/// A throwaway self-signed certificate (for "localhost" and 127.0.0.1 unless told otherwise), written in every form the
/// gateway (and PostgreSQL) can load: PEM certificate and PEM key, one PEM holding both, and a
/// password-protected PKCS#12. The files are deleted on dispose.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    public const string PfxPassword = "pfx-test-password";

    private readonly DirectoryInfo _directory;

    private TestCertificate(DirectoryInfo directory, X509Certificate2 certificate)
    {
        _directory = directory;
        Certificate = certificate;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate alone, PEM; also what a client trusts as its root.</summary>
    public string CertificatePath => Path.Combine(_directory.FullName, "server.crt");

    /// <summary>The private key alone, PEM (PKCS#8).</summary>
    public string KeyPath => Path.Combine(_directory.FullName, "server.key");

    /// <summary>Certificate and key in one PEM file.</summary>
    public string CombinedPemPath => Path.Combine(_directory.FullName, "server-with-key.pem");

    public string PfxPath => Path.Combine(_directory.FullName, "server.pfx");

    public string CertificatePem => File.ReadAllText(CertificatePath);

    public string KeyPem => File.ReadAllText(KeyPath);

    /// <summary>A certificate for localhost and 127.0.0.1, or only for <paramref name="hostName"/> when given.</summary>
    public static TestCertificate Create(string? hostName = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName ?? "localhost"}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName ?? "localhost");
        if (hostName is null)
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(names.Build());
        // Server and client authentication: the same certificate serves the gateway's mutual TLS between its parts.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        var directory = Directory.CreateTempSubdirectory("og-tls-");
        var result = new TestCertificate(directory, certificate);
        var certificatePem = certificate.ExportCertificatePem() + "\n";
        var keyPem = key.ExportPkcs8PrivateKeyPem() + "\n";
        File.WriteAllText(result.CertificatePath, certificatePem);
        File.WriteAllText(result.KeyPath, keyPem);
        File.WriteAllText(result.CombinedPemPath, certificatePem + keyPem);
        File.WriteAllBytes(result.PfxPath, certificate.Export(X509ContentType.Pkcs12, PfxPassword));
        return result;
    }

    /// <summary>The OrleansGate:Proxy:Tls section for one of the certificate forms.</summary>
    public JsonObject TlsSection(TestCertificateForm form, bool required = false) => form switch
    {
        TestCertificateForm.PemWithSeparateKey => new JsonObject { ["CertificatePath"] = CertificatePath, ["KeyPath"] = KeyPath, ["Required"] = required },
        TestCertificateForm.PemWithKeyInside => new JsonObject { ["CertificatePath"] = CombinedPemPath, ["Required"] = required },
        TestCertificateForm.Pkcs12 => new JsonObject { ["CertificatePath"] = PfxPath, ["Password"] = PfxPassword, ["Required"] = required },
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    public void Dispose()
    {
        Certificate.Dispose();
        _directory.Delete(recursive: true);
    }
}

/// <summary>The certificate file layouts <c>OrleansGate:Proxy:Tls</c> accepts.</summary>
public enum TestCertificateForm
{
    PemWithSeparateKey,
    PemWithKeyInside,
    Pkcs12,
}
