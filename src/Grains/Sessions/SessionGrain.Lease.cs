using OrleansGate.Grains.Sessions.Leases;

namespace OrleansGate.Grains.Sessions;

/// <summary>
/// The grain's turn, and the decision it lends a proxy in its own process (<see cref="ISessionLease"/>).
/// </summary>
public sealed partial class SessionGrain
{
    /// <summary>
    /// One call at a time, whichever way it came: Orleans runs a grain's requests one after another,
    /// and a leased call runs on the proxy's thread, outside Orleans' scheduling, so both take this
    /// lock for the whole call. Uncontended, taking it completes at once (no thread hop); a request
    /// that has to wait resumes on the scheduler it came from.
    /// </summary>
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Whether the decision is lent now; read and written only in the turn.</summary>
    private bool _leased;

    private async Task InTurnAsync(Func<Task> work)
    {
        await _turn.WaitAsync().ConfigureAwait(true);
        try
        {
            await work().ConfigureAwait(true);
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task<T> InTurnAsync<T>(Func<Task<T>> work)
    {
        await _turn.WaitAsync().ConfigureAwait(true);
        try
        {
            return await work().ConfigureAwait(true);
        }
        finally
        {
            _turn.Release();
        }
    }

    // Called on the proxy's thread (no grain scheduler to come back to), so the awaits below resume
    // there. The turn is taken here rather than through InTurnAsync: this runs for every statement,
    // and the lambda would add a closure, a delegate and a second state machine to each.
    async Task<SessionDecisions?> ISessionLease.DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome>? completed,
        bool unsettled)
    {
        await _turn.WaitAsync().ConfigureAwait(true);
        try
        {
            // An ended lease (the grain is going away, or its session ended): the caller asks through Orleans.
            return _leased ? await DecideInTurnAsync(batch, completed, unsettled, localCommits.Process).ConfigureAwait(true) : null;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Lends the decision to the proxy in this process, while the session is open.</summary>
    private void GrantLease()
    {
        if (!_leased && _state.Started is not null && !_state.Ended)
        {
            _leased = true;
            leases.Grant(SessionId, this);
        }
    }

    /// <summary>The session is over: the proxy decides nothing more and waits for no commit of it.</summary>
    private void LetProxyGo()
    {
        EndLease();
        localCommits.Forget(SessionId);
    }

    /// <summary>Takes the decision back: from now on every call comes through Orleans.</summary>
    private void EndLease()
    {
        if (_leased)
        {
            _leased = false;
            leases.Revoke(SessionId, this);
        }
    }
}
