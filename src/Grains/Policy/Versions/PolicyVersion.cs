namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// One numbered version of the gateway's <c>Policies</c> (docs/policies.md#versions): the whole
/// document as stored (JSON, the shape of the configuration file's <c>OrleansGate:Policies</c>),
/// who recorded it, when, why, and the version it was edited from.
/// </summary>
/// <param name="Number">1, 2, 3… per gateway (its <c>Cluster:ServiceId</c>); version 1 is the configuration file's.</param>
/// <param name="Document">The policies as a JSON array, in <see cref="PolicyDocument"/>'s canonical form.</param>
/// <param name="Author">The identity that recorded it, or <see cref="PolicyVersion.FileAuthor"/>.</param>
/// <param name="BasedOn">The version it was edited from; null for version 1.</param>
/// <param name="RestoredFrom">For a rollback: the version whose content it restores.</param>
[GenerateSerializer, Immutable]
public sealed record PolicyVersion(
    [property: Id(0)] int Number,
    [property: Id(1)] string Document,
    [property: Id(2)] string Author,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string Reason,
    [property: Id(5)] int? BasedOn,
    [property: Id(6)] int? RestoredFrom)
{
    /// <summary>
    /// The author of versions that come from the configuration file (the seed, and later edits of
    /// the file). Reserved: no identity of this name may record an edit (it would pose as the file).
    /// </summary>
    public const string FileAuthor = "file";

    /// <summary>The stored <see cref="PolicyVersionSeal"/> (hex); null for a row written without one, which is never put in force.</summary>
    [Id(7)] public string? Seal { get; init; }
}

/// <summary>
/// A change to record: the document, who, why, and the version the author saw last.
/// <paramref name="ByAdministrator"/>: only an administrator may loosen what protects data (<see cref="PolicyLoosening"/>).
/// </summary>
public sealed record PolicyEdit(string Document, string Author, string Reason, int BaseVersion, int? RestoredFrom = null, bool ByAdministrator = false);

/// <summary>What recording an edit came to (errors as values: each is an answer the caller expects).</summary>
public abstract record PolicyEditOutcome
{
    /// <summary>The new version, now in force.</summary>
    public sealed record Recorded(PolicyVersion Version, IReadOnlyList<string> Changes) : PolicyEditOutcome;

    /// <summary>The document does not validate: one line per problem, starting with its key. Nothing changed.</summary>
    public sealed record Invalid(IReadOnlyList<string> Problems) : PolicyEditOutcome;

    /// <summary>The edit was based on a version that is no longer the newest. Nothing changed.</summary>
    public sealed record Stale(int Newest) : PolicyEditOutcome;

    /// <summary>The document is the same as the newest version's: nothing to record.</summary>
    public sealed record Unchanged(int Newest) : PolicyEditOutcome;

    /// <summary>The audit store could not record the change, so it was not made (the reason is logged, not shown: it can name hosts).</summary>
    public sealed record NotRecorded(string Reason) : PolicyEditOutcome;

    /// <summary>The edit loosens what protects data (one line per change) and its author is not an administrator. Nothing changed.</summary>
    public sealed record NeedsAdministrator(IReadOnlyList<string> Loosened) : PolicyEditOutcome;

    /// <summary>The newest stored version's seal does not verify (it was not recorded by a gateway): nothing is based on it. Nothing changed.</summary>
    public sealed record Unverified(int Newest) : PolicyEditOutcome;
}
