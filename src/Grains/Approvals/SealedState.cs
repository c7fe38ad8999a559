namespace OrleansGate.Grains.Approvals;

/// <summary>Grain state that carries a seal: an HMAC over the rest of it, bound to the grain it belongs to.</summary>
public interface ISealedState
{
    string? Seal { get; set; }
}

/// <summary>
/// Approval state lives in grain storage, a table in a database others administer: a row written
/// there by hand must not open a window or grant a request. Every write is sealed with a key derived
/// from the audit key (which the database never holds), and state read back whose seal does not
/// verify is refused: the grain acts as if it had none, and says so in the log.
/// </summary>
public static class SealedState
{
    public static Task WriteSealedAsync<T>(this IPersistentState<T> stored, ApprovalProofs proofs, GrainId grain)
        where T : class, ISealedState
    {
        stored.State.Seal = null;
        stored.State.Seal = proofs.SealOf(grain.ToString(), Bytes(stored.State));
        return stored.WriteStateAsync();
    }

    /// <summary>True when nothing was stored, or what was stored carries this grain's seal.</summary>
    public static bool IsIntact<T>(this IPersistentState<T> stored, ApprovalProofs proofs, GrainId grain)
        where T : class, ISealedState
    {
        if (!stored.RecordExists)
        {
            return true;
        }

        var seal = stored.State.Seal;
        stored.State.Seal = null;
        try
        {
            return proofs.IsSeal(grain.ToString(), Bytes(stored.State), seal);
        }
        finally
        {
            stored.State.Seal = seal;
        }
    }

    private static byte[] Bytes<T>(T state) => ApprovalStorageSerializer.Bytes(state);
}
