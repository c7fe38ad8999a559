using System.Text;
using OrleansGate.Proxy.Authentication;
using Xunit;

namespace OrleansGate.Tests.Proxy.Authentication;

/// <summary>
/// Both sides of SCRAM-SHA-256 replay the example exchange published in RFC 7677 §3, byte for
/// byte: an independent check of the key schedule, the AuthMessage and the proofs.
/// </summary>
public sealed class ScramRfc7677Tests
{
    private const string User = "user";
    private const string Password = "pencil";
    private const string ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonceSuffix = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string Salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static ScramServerExchange Server() =>
        ScramServerExchange.WithFixedNonce(ScramVerifier.FromPassword(Password, Convert.FromBase64String(Salt), 4096), ServerNonceSuffix);

    [Fact]
    public void The_client_sends_the_rfc_proof_and_accepts_the_rfc_server_signature()
    {
        var client = new ScramClientExchange(Password, User, ClientNonce);

        Assert.Equal(ClientFirst, Text(client.ClientFirst()));
        var final = client.HandleServerFirst(Bytes(ServerFirst), out var error);
        Assert.Null(error);
        Assert.Equal(ClientFinal, Text(final!));
        Assert.True(client.VerifyServerFinal(Bytes(ServerFinal)));
    }

    [Fact]
    public void The_client_rejects_a_server_signature_that_is_one_bit_off()
    {
        var client = new ScramClientExchange(Password, User, ClientNonce);
        client.HandleServerFirst(Bytes(ServerFirst), out _);
        var signature = Convert.FromBase64String(ServerFinal[2..]);
        signature[0] ^= 1;

        Assert.False(client.VerifyServerFinal(Bytes("v=" + Convert.ToBase64String(signature))));
    }

    [Fact]
    public void The_server_answers_with_the_rfc_messages()
    {
        var server = Server();

        var first = server.HandleClientFirst(ScramServerExchange.Mechanism, Bytes(ClientFirst), out var error);
        Assert.Null(error);
        Assert.Equal(ServerFirst, Text(first!));
        var final = server.HandleClientFinal(Bytes(ClientFinal), out var malformed);
        Assert.False(malformed);
        Assert.Equal(ServerFinal, Text(final!));
    }

    [Fact]
    public void The_server_refuses_a_wrong_proof_as_a_wrong_password_not_as_a_malformed_message()
    {
        var server = Server();
        server.HandleClientFirst(ScramServerExchange.Mechanism, Bytes(ClientFirst), out _);
        var proof = Convert.FromBase64String("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        proof[31] ^= 0x80;
        var wrong = ClientFinal[..(ClientFinal.LastIndexOf(",p=", StringComparison.Ordinal) + 3)] + Convert.ToBase64String(proof);

        Assert.Null(server.HandleClientFinal(Bytes(wrong), out var malformed));
        Assert.False(malformed);
    }

    [Fact]
    public void The_server_refuses_a_final_message_that_changes_the_nonce()
    {
        var server = Server();
        server.HandleClientFirst(ScramServerExchange.Mechanism, Bytes(ClientFirst), out _);

        Assert.Null(server.HandleClientFinal(Bytes(ClientFinal.Replace("k0,p=", "k1,p=", StringComparison.Ordinal)), out var malformed));
        Assert.True(malformed);
    }

    [Fact]
    public void A_verifier_in_postgresql_format_round_trips_and_still_checks_the_rfc_proof()
    {
        var text = ScramVerifier.FromPassword(Password, Convert.FromBase64String(Salt), 4096).ToString();
        Assert.StartsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", text, StringComparison.Ordinal);
        Assert.True(ScramVerifier.TryParse(text, out var parsed));

        var server = ScramServerExchange.WithFixedNonce(parsed, ServerNonceSuffix);
        server.HandleClientFirst(ScramServerExchange.Mechanism, Bytes(ClientFirst), out _);
        Assert.Equal(ServerFinal, Text(server.HandleClientFinal(Bytes(ClientFinal), out _)!));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
