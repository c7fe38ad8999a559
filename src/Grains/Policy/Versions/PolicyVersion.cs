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
public sealed record PolicyVersion(int Number, string Document, string Author, DateTimeOffset At, string Reason, int? BasedOn, int? RestoredFrom)
{
    /// <summary>The author of versions that come from the configuration file (the seed, and later edits of the file).</summary>
    public const string FileAuthor = "file";
}

/// <summary>A change to record: the document, who, why, and the version the author saw last.</summary>
public sealed record PolicyEdit(string Document, string Author, string Reason, int BaseVersion, int? RestoredFrom = null);

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

    /// <summary>The audit store could not record the change, so it was not made.</summary>
    public sealed record NotRecorded(string Reason) : PolicyEditOutcome;
}
