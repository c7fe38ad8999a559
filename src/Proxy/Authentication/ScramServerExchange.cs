using System.Security.Cryptography;
using System.Text;

namespace OrleansGate.Proxy.Authentication;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) as PostgreSQL runs it
/// (§55.3.2): the user name in the exchange is ignored (the startup packet's is used), and an
/// unknown user gets a mock exchange that fails the same way a wrong password does, so a client
/// cannot tell which identities exist. Over TLS it also offers SCRAM-SHA-256-PLUS with the
/// <c>tls-server-end-point</c> channel binding (RFC 5929): the proof then covers the certificate
/// the client saw, so a relay that ends TLS with a certificate of its own cannot pass a login on.
/// A client that could bind but believes the server cannot (flag <c>y</c>) is refused over TLS:
/// someone removed PLUS from the offer.
/// </summary>
public sealed class ScramServerExchange
{
    public const string Mechanism = "SCRAM-SHA-256";
    public const string MechanismPlus = "SCRAM-SHA-256-PLUS";
    public const string BindingType = "tls-server-end-point";

    private readonly ScramVerifier _verifier;
    private readonly bool _isMock;
    private readonly byte[]? _channelBinding;
    private string? _gs2Header;
    private bool _bound;
    private string? _clientFirstBare;
    private string? _serverFirst;
    private string? _nonce;

    // Only set by tests, to reproduce RFC 7677's published exchange; random otherwise.
    private string? _fixedServerNonce;

    private ScramServerExchange(ScramVerifier verifier, bool isMock, byte[]? channelBinding)
    {
        _verifier = verifier;
        _isMock = isMock;
        _channelBinding = channelBinding;
    }

    /// <param name="verifier">The identity's verifier.</param>
    /// <param name="channelBinding">The <c>tls-server-end-point</c> data of the TLS connection, or null without TLS.</param>
    public static ScramServerExchange For(ScramVerifier verifier, byte[]? channelBinding = null) => new(verifier, isMock: false, channelBinding);

    /// <summary>
    /// Test seam: an exchange whose server nonce part is <paramref name="serverNonce"/> instead of
    /// random bytes, so a test can replay a published SCRAM example byte for byte.
    /// </summary>
    internal static ScramServerExchange WithFixedNonce(ScramVerifier verifier, string serverNonce, byte[]? channelBinding = null) =>
        new(verifier, isMock: false, channelBinding) { _fixedServerNonce = serverNonce };

    /// <summary>
    /// An exchange for a user that does not exist: the salt is derived from the name with a
    /// per-process key, so repeated attempts see a stable salt, and no proof can succeed.
    /// </summary>
    public static ScramServerExchange Mock(string userName, byte[] mockKey, byte[]? channelBinding = null)
    {
        var salt = HMACSHA256.HashData(mockKey, Encoding.UTF8.GetBytes(userName))[..16];
        var verifier = new ScramVerifier(salt, ScramVerifier.DefaultIterations, RandomNumberGenerator.GetBytes(32),
            RandomNumberGenerator.GetBytes(32));
        return new ScramServerExchange(verifier, isMock: true, channelBinding);
    }

    /// <summary>The mechanisms offered, preferred first (PostgreSQL's order).</summary>
    public IReadOnlyList<string> Mechanisms => _channelBinding is null ? [Mechanism] : [MechanismPlus, Mechanism];

    /// <summary>Why the last message was refused as malformed or unbound, for the client's ErrorResponse.</summary>
    public string? Failure { get; private set; }

    /// <summary>
    /// Handles client-first-message under the <paramref name="mechanism"/> the client selected;
    /// returns server-first-message, or null when either is invalid.
    /// </summary>
    public byte[]? HandleClientFirst(string mechanism, ReadOnlySpan<byte> message, out string? error)
    {
        error = null;
        if (!Mechanisms.Contains(mechanism))
        {
            error = "client selected an invalid SASL authentication mechanism";
            return null;
        }

        var text = Encoding.UTF8.GetString(message);

        // gs2-header = cbind-flag "," [authzid] ","
        var firstComma = text.IndexOf(',', StringComparison.Ordinal);
        var secondComma = firstComma < 0 ? -1 : text.IndexOf(',', firstComma + 1);
        if (secondComma < 0)
        {
            error = "malformed SCRAM message";
            return null;
        }

        var cbindFlag = text[..firstComma];
        var authzid = text[(firstComma + 1)..secondComma];
        switch (cbindFlag)
        {
            case "p=" + BindingType when mechanism == MechanismPlus:
                _bound = true;
                break;
            case var flag when flag.StartsWith("p=", StringComparison.Ordinal) && mechanism == MechanismPlus:
                error = $"unsupported SCRAM channel-binding type \"{flag[2..]}\"";
                return null;
            case var flag when flag.StartsWith("p=", StringComparison.Ordinal):
                error = "malformed SCRAM message: the client selected SCRAM-SHA-256 without channel binding, " +
                        "but the SCRAM message includes channel binding data";
                return null;
            case "n" or "y" when mechanism == MechanismPlus:
                error = "malformed SCRAM message: the client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data";
                return null;
            case "y" when _channelBinding is not null:
                // The client can bind and was told the server cannot, though this server offered it:
                // the offer was changed on the way (RFC 5802 §6).
                error = "SCRAM channel binding negotiation error: the client supports channel binding but thinks the server does not; " +
                        "this server does support channel binding";
                return null;
            case "n" or "y":
                break;
            default:
                error = "malformed SCRAM message (unexpected channel-binding flag)";
                return null;
        }

        if (authzid.Length != 0)
        {
            error = "client uses authorization identity, but it is not supported";
            return null;
        }

        _gs2Header = text[..(secondComma + 1)];
        _clientFirstBare = text[(secondComma + 1)..];
        var attributes = ScramAttributes.Parse(_clientFirstBare);
        if (attributes is null || attributes.Count < 2 || attributes[0].Name != 'n' || attributes[1].Name != 'r' ||
            !ScramAttributes.IsValidNonce(attributes[1].Value))
        {
            error = "malformed SCRAM message (expected user name and nonce)";
            return null;
        }

        _nonce = attributes[1].Value + (_fixedServerNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));
        _serverFirst = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"r={_nonce},s={Convert.ToBase64String(_verifier.Salt)},i={_verifier.Iterations}");
        return Encoding.UTF8.GetBytes(_serverFirst);
    }

    /// <summary>
    /// Handles client-final-message. Returns server-final-message when the proof is right; null
    /// with <paramref name="malformed"/> false when the password is wrong (or the user unknown),
    /// null with it true when the message itself is invalid.
    /// </summary>
    public byte[]? HandleClientFinal(ReadOnlySpan<byte> message, out bool malformed)
    {
        malformed = true;
        if (_gs2Header is null || _clientFirstBare is null || _serverFirst is null || _nonce is null)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(message);
        var proofStart = text.LastIndexOf(",p=", StringComparison.Ordinal);
        var attributes = ScramAttributes.Parse(text);
        if (proofStart < 0 || attributes is null || attributes.Count < 3 ||
            attributes[0].Name != 'c' || attributes[1].Name != 'r' || attributes[^1].Name != 'p')
        {
            return null;
        }

        var binding = ScramAttributes.TryFromBase64(attributes[0].Value);
        var proof = ScramAttributes.TryFromBase64(attributes[^1].Value);
        if (binding is null || attributes[1].Value != _nonce || proof is null || proof.Length != 32)
        {
            return null;
        }

        // c= is the gs2 header, and with channel binding the binding data after it: the hash of
        // the certificate the client's TLS saw must be this gateway's.
        byte[] expected = [.. Encoding.UTF8.GetBytes(_gs2Header), .. _bound ? _channelBinding! : []];
        if (!CryptographicOperations.FixedTimeEquals(binding, expected))
        {
            Failure = _bound ? "SCRAM channel binding check failed" : "malformed SCRAM message (channel binding attribute does not match)";
            return null;
        }

        malformed = false;
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{text[..proofStart]}");
        Span<byte> clientSignature = stackalloc byte[32];
        HMACSHA256.HashData(_verifier.StoredKey, authMessage, clientSignature);
        Span<byte> clientKey = stackalloc byte[32];
        for (var i = 0; i < 32; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        Span<byte> storedKey = stackalloc byte[32];
        SHA256.HashData(clientKey, storedKey);
        var matches = CryptographicOperations.FixedTimeEquals(storedKey, _verifier.StoredKey);
        if (!matches || _isMock)
        {
            return null;
        }

        var serverSignature = HMACSHA256.HashData(_verifier.ServerKey, authMessage);
        return Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature));
    }
}
