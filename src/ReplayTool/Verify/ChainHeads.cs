using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansGate.Grains.Audit.Verification;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Verify;

/// <summary>Reads and writes heads files (JSON lines). Kept outside the audit database, they narrow what a key holder can rewrite unseen.</summary>
public static class ChainHeads
{
    public static async Task WriteAsync(FileInfo file, IEnumerable<SessionVerdict> verdicts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(file.FullName, append: false);
        foreach (var verdict in verdicts.Where(v => !v.Failed && v.LastHash is not null))
        {
            var head = new ChainHeadRecord(verdict.SessionId, verdict.LastPosition, verdict.LastHash!, verdict.Sealed, now);
            await writer.WriteLineAsync(JsonSerializer.Serialize(head).AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<Dictionary<string, ChainHeadRecord>> ReadAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new CommandFailedException($"--against-heads: file '{file.FullName}' does not exist", ExitCodes.Usage);
        }

        var heads = new Dictionary<string, ChainHeadRecord>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(file.FullName, cancellationToken).ConfigureAwait(false))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            ChainHeadRecord? head;
            try
            {
                head = JsonSerializer.Deserialize<ChainHeadRecord>(line);
            }
            catch (JsonException e)
            {
                throw new CommandFailedException($"--against-heads: line {number} of '{file.Name}' is not a head ({e.Message})", ExitCodes.Usage);
            }

            if (head is not { Session.Length: > 0, Hash.Length: > 0, Position: > 0 })
            {
                throw new CommandFailedException($"--against-heads: line {number} of '{file.Name}' is not a head", ExitCodes.Usage);
            }

            // A later export of the same session wins: files may be concatenated over time.
            if (!heads.TryGetValue(head.Session, out var known) || head.Position >= known.Position)
            {
                heads[head.Session] = head;
            }
        }

        return heads;
    }
}
