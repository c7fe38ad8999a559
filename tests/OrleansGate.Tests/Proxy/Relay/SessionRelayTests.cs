using System.Buffers;
using System.IO.Pipelines;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;
using OrleansGate.Proxy.Relay;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Relay;

/// <summary>
/// The relay between two in-memory pipes standing for the client and the database connection,
/// for what a real server never sends (a malformed ErrorResponse) and for exact byte timing.
/// </summary>
public sealed class SessionRelayTests
{
    private const string UpstreamUser = "og_upstream";
    private const string UpstreamPassword = "up-secret-0123";

    private readonly Pipe _fromClient = new();
    private readonly Pipe _toClient = new();
    private readonly Pipe _fromUpstream = new();
    private readonly Pipe _toUpstream = new();

    private SessionRelay Relay(int maxMessageBytes = 1024 * 1024, PipeWriter? toUpstream = null)
    {
        var replies = new PendingReplies();
        return new(_fromClient.Reader, _toClient.Writer, _fromUpstream.Reader, toUpstream ?? _toUpstream.Writer, maxMessageBytes,
            new CredentialScrubber(UpstreamUser, UpstreamPassword), "alice", TransactionStatus.Idle,
            new DecisionPoint(new PolicyOnlyDecider(), new OrleansGate.Proxy.Sql.SqlParser(), replies, maxMessageBytes), replies);
    }

    private static byte[] Compose(Action<MessageBuilder> compose)
    {
        using var builder = new MessageBuilder();
        compose(builder);
        return builder.ToArray();
    }

    /// <summary>Runs the relay to its end (bounded), then returns what each side received.</summary>
    private async Task<(RelayOutcome Outcome, byte[] ToClient, byte[] ToUpstream)> RunToEndAsync(SessionRelay relay, Task feeding)
    {
        var outcome = await relay.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await feeding;
        await _toClient.Writer.CompleteAsync();
        await _toUpstream.Writer.CompleteAsync();
        return (outcome, await ReadAllAsync(_toClient.Reader), await ReadAllAsync(_toUpstream.Reader));
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync();
            if (read.IsCompleted)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static async Task WriteAsync(PipeWriter writer, params byte[][] chunks)
    {
        foreach (var chunk in chunks)
        {
            await writer.WriteAsync(chunk);
        }
    }

    [Fact]
    public async Task An_error_quoting_the_upstream_password_that_cannot_be_decoded_never_reaches_the_client()
    {
        // Field 'M' carries the password but the final zero byte is missing: undecodable, so unscrubbable.
        var malformed = Compose(b => b.Start((byte)'E').WriteByte((byte)'S').WriteCString("ERROR").WriteByte((byte)'M')
            .WriteCString($"password {UpstreamPassword} for {UpstreamUser}").Finish());
        var relay = Relay();
        var feeding = WriteAsync(_fromUpstream.Writer, Compose(b => b.ParameterStatus("TimeZone", "UTC")), malformed);

        var (outcome, toClient, _) = await RunToEndAsync(relay, feeding);

        Assert.Equal(RelayEnd.UpstreamProtocolViolation, outcome.End);
        Assert.Equal("malformed ErrorResponse", outcome.Detail);
        Assert.False(RawClient.Contains(toClient, UpstreamPassword));
        Assert.False(RawClient.Contains(toClient, UpstreamUser));
        Assert.True(RawClient.Contains(toClient, "TimeZone"), "the well-formed frame before it is still relayed");
    }

    [Fact]
    public async Task A_notice_quoting_the_upstream_role_reaches_the_client_scrubbed()
    {
        var notice = Compose(b => b.NoticeResponse("01000", $"role \"{UpstreamUser}\" owns it; password {UpstreamPassword}"));
        var relay = Relay();
        var feeding = WriteAsync(_fromUpstream.Writer, SegmentedBytes(notice, 0, 7, 20));

        var running = relay.RunAsync(CancellationToken.None);
        var seen = await ReadMessageAsync(_toClient.Reader);
        await _fromUpstream.Writer.CompleteAsync();
        var outcome = await running.WaitAsync(TimeSpan.FromSeconds(10));
        await feeding;

        Assert.Equal(RelayEnd.UpstreamClosed, outcome.End);
        Assert.True(ErrorResponse.TryDecode(new ReadOnlySequence<byte>(seen[FrameReader.HeaderLength..]), out var decoded));
        Assert.Equal($"role \"{CredentialScrubber.Replacement}\" owns it; password {CredentialScrubber.Replacement}", decoded.Message);
    }

    [Fact]
    public async Task A_server_that_closes_on_the_clients_terminate_before_the_relay_sees_it_sent_ends_the_session_as_the_clients()
    {
        // The Terminate's flush upstream waits until the "server" reads it, and the server closes
        // before that flush returns: the server's side of the relay ends first.
        var toUpstream = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
        var relay = Relay(toUpstream: toUpstream.Writer);
        var running = relay.RunAsync(CancellationToken.None);

        await WriteAsync(_fromClient.Writer, Compose(b => b.Terminate()));
        var forwarded = await toUpstream.Reader.ReadAsync();
        Assert.Equal((byte)'X', forwarded.Buffer.FirstSpan[0]);
        await _fromUpstream.Writer.CompleteAsync();
        var outcome = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(RelayEnd.ClientTerminated, outcome.End);
    }

    [Fact]
    public async Task An_unknown_message_type_is_refused_from_its_first_byte_without_waiting_for_the_rest()
    {
        // Only the type byte of a message whose body will never come: the relay must not wait for it.
        var relay = Relay();
        var feeding = WriteAsync(_fromClient.Writer, [(byte)'y']);

        var (outcome, _, toUpstream) = await RunToEndAsync(relay, feeding);

        Assert.Equal(RelayEnd.ClientProtocolViolation, outcome.End);
        Assert.Equal("invalid frontend message type 'y'", outcome.Detail);
        Assert.Empty(toUpstream);
    }

    [Fact]
    public async Task A_bad_length_split_across_reads_is_described_with_the_type_it_came_with()
    {
        var relay = Relay(maxMessageBytes: 1000);
        var query = Compose(b => b.Start((byte)'Q').WriteCString("SELECT 1").Finish());
        var running = relay.RunAsync(CancellationToken.None);

        await WriteAsync(_fromClient.Writer, query);
        var forwarded = await ReadMessageAsync(_toUpstream.Reader);
        await WriteAsync(_fromClient.Writer, [(byte)'P', 0, 0]);
        await Task.Delay(50);
        await WriteAsync(_fromClient.Writer, [0x10, 0x00]); // declared length 4096 > 1000
        var outcome = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(query, forwarded);
        Assert.Equal(RelayEnd.ClientProtocolViolation, outcome.End);
        Assert.Equal("message of type 'P' is longer than the gateway accepts", outcome.Detail);
    }

    [Fact]
    public async Task A_connection_that_ends_inside_a_message_is_a_protocol_violation_and_the_partial_message_stays_behind()
    {
        var relay = Relay();
        var partial = Compose(b => b.Start((byte)'Q').WriteCString("SELECT 1").Finish())[..^3];
        var feeding = WriteAsync(_fromClient.Writer, partial).ContinueWith(_ => _fromClient.Writer.Complete(), TaskScheduler.Default);

        var (outcome, _, toUpstream) = await RunToEndAsync(relay, feeding);

        Assert.Equal(RelayEnd.ClientProtocolViolation, outcome.End);
        Assert.Equal("the connection ended in the middle of a message", outcome.Detail);
        Assert.Empty(toUpstream);
    }

    private static byte[][] SegmentedBytes(byte[] bytes, params int[] cuts)
    {
        var edges = cuts.Append(bytes.Length).ToArray();
        return [.. edges.Zip(edges.Skip(1), (from, to) => bytes[from..to])];
    }

    /// <summary>Reads one whole message from a pipe (test side).</summary>
    private static async Task<byte[]> ReadMessageAsync(PipeReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var read = await reader.ReadAsync(timeout.Token);
            if (FrameReader.TryRead(read.Buffer, int.MaxValue, out var frame) == FrameStatus.Complete)
            {
                var bytes = frame.Whole.ToArray();
                reader.AdvanceTo(frame.Whole.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }
}
