using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Proxy.Authentication.Tokens;

/// <summary>
/// The signing keys of one issuer: read from its discovery document (or its configured key set)
/// at first use, kept for <see cref="MaxAge"/>, and read again when a token names a key that is not
/// among them, at most once per <see cref="OidcIssuerOptions.KeyRefreshInterval"/>. Each read
/// replaces the whole set, so a key the issuer removed stops verifying after the next one.
/// </summary>
public sealed class IssuerKeys(OidcIssuerOptions issuer, HttpClient http, TimeProvider clock, Grains.Telemetry.GatewayMetrics? metrics = null)
{
    /// <summary>Keys are read again after this long even when every token's key is known.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _reading = new(1, 1);
    private IReadOnlyList<SecurityKey>? _keys;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>How many times the keys were read (first read included).</summary>
    public int Reads { get; private set; }

    /// <summary>The keys, read first if never read or too old. Throws when they cannot be read.</summary>
    public async Task<IReadOnlyList<SecurityKey>> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_keys is { } keys && clock.GetUtcNow() - _readAt < MaxAge)
        {
            return keys;
        }

        return await ReadAsync(force: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the keys again for a token whose key is unknown, unless they were read less than
    /// <see cref="OidcIssuerOptions.KeyRefreshInterval"/> ago; returns the keys either way.
    /// </summary>
    public Task<IReadOnlyList<SecurityKey>> RefreshAsync(CancellationToken cancellationToken) => ReadAsync(force: false, cancellationToken);

    private async Task<IReadOnlyList<SecurityKey>> ReadAsync(bool force, CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var age = clock.GetUtcNow() - _readAt;
            if (_keys is { } keys && (force ? age < MaxAge : age < issuer.KeyRefreshInterval))
            {
                // Read meanwhile by another login, or too recently to read again.
                return keys;
            }

            var retriever = new HttpDocumentRetriever(http) { RequireHttps = !IsLoopbackHttp(issuer.MetadataAddress) };
            IEnumerable<SecurityKey> read;
            if (string.IsNullOrEmpty(issuer.JwksUri))
            {
                var discovery = await OpenIdConnectConfigurationRetriever.GetAsync(issuer.MetadataAddress, retriever, cancellationToken)
                    .ConfigureAwait(false);
                read = discovery.SigningKeys;
            }
            else
            {
                var json = await retriever.GetDocumentAsync(issuer.JwksUri, cancellationToken).ConfigureAwait(false);
                read = new JsonWebKeySet(json).GetSigningKeys();
            }

            _keys = read.ToList();
            _readAt = clock.GetUtcNow();
            Reads++;
            metrics?.KeySetRead(issuer.Issuer);
            return _keys;
        }
        finally
        {
            _reading.Release();
        }
    }

    private static bool IsLoopbackHttp(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback;
}
