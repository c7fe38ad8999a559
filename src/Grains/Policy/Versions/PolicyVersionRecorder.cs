using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// Records new policy versions (silos only; a standalone proxy just follows them): checks the
/// document with the configuration's own validators, refuses an edit whose base is not the newest
/// version, and appends <see cref="PolicyVersionRecorded"/> to the gateway's policy stream in the
/// audit store before the version commits — a change the record does not hold never takes effect.
/// Once committed, the version is put in force here at once; the other processes follow it
/// (<see cref="PolicyVersionFollower"/>).
/// </summary>
public sealed partial class PolicyVersionRecorder(PolicyVersionStore store, GatewayConfiguration gateway, IAuditLog audit, ChainKey keys,
    AuditStoreOptions auditStore, TimeProvider clock, ILogger<PolicyVersionRecorder> logger)
{
    private readonly string _stream = PolicyVersionRecorded.StreamOf(store.ServiceId);
    private readonly PolicyVersionSeal _seal = new(keys, store.ServiceId);

    /// <summary>The seal this gateway's versions carry (the followers verify with the same key).</summary>
    public PolicyVersionSeal Seal => _seal;

    /// <summary>Records an edit (or a rollback): validated, based on the newest version, audited, then in force.</summary>
    public async Task<PolicyEditOutcome> RecordAsync(PolicyEdit edit, CancellationToken cancellationToken)
    {
        var (policies, problems) = gateway.CheckPolicies(edit.Document);
        if (policies is null)
        {
            return new PolicyEditOutcome.Invalid(problems);
        }

        var document = PolicyDocument.Of(policies);
        PolicyEditOutcome? refusal = null;
        IReadOnlyList<string> changes = [];
        try
        {
            var recorded = await store.AppendAsync(newest =>
            {
                var number = newest?.Number ?? 0;
                if (number != edit.BaseVersion)
                {
                    refusal = new PolicyEditOutcome.Stale(number);
                    return null;
                }

                if (newest is not null && !_seal.Verifies(newest))
                {
                    // Written into the table by someone without the audit key: never a base (docs/policies.md#versions).
                    refusal = new PolicyEditOutcome.Unverified(number);
                    return null;
                }

                if (newest?.Document == document)
                {
                    refusal = new PolicyEditOutcome.Unchanged(number);
                    return null;
                }

                if (!edit.ByAdministrator && PolicyLoosening.Between(newest?.Document, document) is { Count: > 0 } loosened)
                {
                    refusal = new PolicyEditOutcome.NeedsAdministrator(loosened);
                    return null;
                }

                if (number == int.MaxValue)
                {
                    refusal = new PolicyEditOutcome.NotRecorded("the version numbers are exhausted");
                    return null;
                }

                changes = PolicyDiff.Between(newest?.Document, document);
                return Sealed(new PolicyVersion(number + 1, document, edit.Author, clock.GetUtcNow(), edit.Reason, newest?.Number, edit.RestoredFrom));
            }, version => AuditAsync(version, changes, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (recorded is null)
            {
                return refusal!;
            }

            LogRecorded(logger, recorded.Number, recorded.Author, changes.Count);
            gateway.UsePolicies(recorded);
            return new PolicyEditOutcome.Recorded(recorded, changes);
        }
        catch (Exception e) when (e is AuditUnavailableException or NpgsqlException or TimeoutException)
        {
            // The store's message can name hosts and users: it is logged here, and the caller gets a plain 503.
            LogNotRecorded(logger, edit.Author, e.Message.ReplaceLineEndings(" "));
            return new PolicyEditOutcome.NotRecorded(e.Message);
        }
    }

    private PolicyVersion Sealed(PolicyVersion version) => version with { Seal = _seal.Of(version) };

    /// <summary>
    /// The configuration file's policies, at start-up and whenever the file changes: version 1 when
    /// none is stored; later, a new version authored <c>file</c> when the file's policies are no
    /// longer those of the last version the file gave (an unchanged file never overrides console edits).
    /// </summary>
    public async Task<PolicyVersion?> RecordFileAsync(IReadOnlyList<PolicyOptions> filePolicies, CancellationToken cancellationToken)
    {
        var document = PolicyDocument.Of(filePolicies);
        var lastFromFile = await store.NewestByAsync(PolicyVersion.FileAuthor, cancellationToken).ConfigureAwait(false);
        if (lastFromFile?.Document == document && _seal.Verifies(lastFromFile))
        {
            return null;
        }

        // Rows from before versions were sealed (the store of an earlier build) have no seal: when no
        // row verifies, the file's policies are recorded afresh, sealed, after them. Once one row is
        // sealed, an unsealed newest is a forgery: nothing is built on it, and the follower refuses it.
        var anySealed = (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Any(_seal.Verifies);
        IReadOnlyList<string> changes = [];
        var recorded = await store.AppendAsync(newest =>
        {
            var sealedNewest = newest is not null && _seal.Verifies(newest);
            if (newest is not null && !sealedNewest && anySealed)
            {
                return null;
            }

            if (newest?.Document == document && sealedNewest)
            {
                return null; // another silo recorded the same file meanwhile
            }

            if (newest?.Number == int.MaxValue)
            {
                throw new AuditUnavailableException("the policy version numbers are exhausted");
            }

            changes = PolicyDiff.Between(newest?.Document, document);
            var reason = newest is null ? "seeded from the configuration file"
                : sealedNewest ? "the configuration file's policies changed"
                : "the configuration file's policies, recorded again: the versions stored before are not sealed";
            return Sealed(new PolicyVersion((newest?.Number ?? 0) + 1, document, PolicyVersion.FileAuthor, clock.GetUtcNow(), reason,
                newest?.Number, null));
        }, version => AuditAsync(version, changes, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (recorded is not null)
        {
            LogRecorded(logger, recorded.Number, recorded.Author, changes.Count);
        }

        return recorded;
    }

    private async Task AuditAsync(PolicyVersion version, IReadOnlyList<string> changes, CancellationToken cancellationToken)
    {
        var recorded = new PolicyVersionRecorded(_stream, version.Number, version.BasedOn, version.RestoredFrom, version.Author, version.Reason,
            changes, Sha256Of(version.Document), version.At);
        var head = await HeadAsync(cancellationToken).ConfigureAwait(false);
        var (linked, _) = AuditChain.Link(head, [recorded]);
        await audit.AppendAsync(_stream, linked, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hex SHA-256 of the document's UTF-8 text, as the event holds it.</summary>
    public static string Sha256Of(string document) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document)));

    // The stream's head, read under the store's lock (only policy changes write this stream, and
    // they are serialised by it): the last event's position and hash.
    private async Task<ChainHead> HeadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(auditStore.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                $"SELECT version, data->>'Hash' FROM {auditStore.Schema}.mt_events WHERE stream_id = @stream ORDER BY version DESC LIMIT 1", connection);
            command.Parameters.AddWithValue("stream", _stream);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? ChainHead.After(keys, _stream, reader.GetInt64(0), reader.GetString(1))
                : ChainHead.Start(keys, _stream);
        }
        catch (NpgsqlException e)
        {
            throw new AuditUnavailableException($"could not read the policy stream's head: {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy version {Version} recorded by {Author} ({Changes} changes)")]
    private static partial void LogRecorded(ILogger logger, int version, string author, int changes);

    [LoggerMessage(Level = LogLevel.Error, Message = "A policy change by {Author} was not made: the audit store could not record it ({Reason})")]
    private static partial void LogNotRecorded(ILogger logger, string author, string reason);
}
