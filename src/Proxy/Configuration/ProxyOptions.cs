namespace OrleansGate.Proxy.Configuration;

/// <summary>The client-facing listener (<c>OrleansGate:Proxy</c>). Documented in docs/configuration.md.</summary>
public sealed class ProxyOptions
{
    public const string Section = "OrleansGate:Proxy";

    /// <summary>host:port to listen on; <c>0.0.0.0:6432</c> for every IPv4 address, port 0 for any free port.</summary>
    public string Listen { get; set; } = "127.0.0.1:6432";

    /// <summary>
    /// The application_name each session has upstream, with <c>{identity}</c>, <c>{session}</c>
    /// and <c>{application}</c> (the client's own) filled in. Clients cannot change it there: a
    /// client's SET application_name is shown back to the client and undone upstream at once.
    /// </summary>
    public string UpstreamApplicationName { get; set; } = Upstream.UpstreamApplicationName.DefaultTemplate;

    /// <summary>
    /// host:port of an HTTP listener for operators' tools: <c>/healthz</c>, <c>/readyz</c>,
    /// <c>/metrics</c>; none when empty. A standalone proxy has no admin API, so this is how it is
    /// probed and scraped.
    /// </summary>
    public string? HealthListen { get; set; }

    /// <summary>The largest message accepted in either direction after startup, in bytes (its declared length).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Client connections served at once; one more is refused with 53300.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>How long a client has to finish the startup packet and authentication.</summary>
    public TimeSpan AuthenticationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a statement may wait for its decision (and audit commit) before it is refused.</summary>
    public TimeSpan DecisionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Distinct SQL texts whose parse results are kept (0: none, every statement is parsed).</summary>
    public int ParseCacheEntries { get; set; } = 4_096;

    public ProxyTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Startup parameters forwarded upstream on top of the built-in list (application_name,
    /// client_encoding, DateStyle, TimeZone, search_path, …). Anything else is refused.
    /// </summary>
    public List<string> ExtraStartupParameters { get; set; } = [];
}

/// <summary>TLS towards clients (<c>OrleansGate:Proxy:Tls</c>).</summary>
public sealed class ProxyTlsOptions
{
    /// <summary>A PEM certificate (chain) or a PKCS#12 (.pfx/.p12) file; no TLS when empty.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key when <see cref="CertificatePath"/> is a PEM file without one.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PKCS#12 file.</summary>
    public string? Password { get; set; }

    /// <summary>Refuse clients that do not ask for TLS (28000).</summary>
    public bool Required { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(CertificatePath);
}
