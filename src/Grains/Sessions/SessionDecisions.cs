using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Sessions;

/// <summary>
/// A batch's decisions, one per statement. <see cref="CommitPending"/>: their record is handed to
/// the audit writer but not yet known committed; the caller, in the grain's own process, must wait
/// for it through <see cref="Audit.LocalAuditCommits"/> before anything of the batch goes upstream.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SessionDecisions([property: Id(0)] IReadOnlyList<Decision> Decisions, [property: Id(1)] bool CommitPending = false);
