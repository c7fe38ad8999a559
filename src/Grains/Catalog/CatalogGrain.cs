using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Catalog;

/// <summary>
/// The masking catalog of one target (the grain's key is the target's name). It reads the
/// target's catalog when asked and keeps the snapshot for <see cref="CatalogOptions.RefreshInterval"/>;
/// a timer keeps it fresh while the grain is active. Not reentrant: a call that arrives during a
/// read waits for it and then finds the fresh snapshot, so concurrent callers share one read.
/// </summary>
public sealed partial class CatalogGrain(IOptions<CatalogOptions> options, GatewayConfiguration gateway, TimeProvider clock, ILogger<CatalogGrain> logger) : Grain, ICatalogGrain
{
    // Sticky identity: by a mask's configured column, the columns the last good read found for it.
    // They stay masked while they exist, so ALTER TABLE … RENAME COLUMN does not unmask them.
    // Gap: this lives in memory only. A reactivated grain (idle collection, another silo) finds
    // columns by their configured names again, so a column renamed before that is no longer
    // masked until the configuration names it anew.
    private Dictionary<string, IReadOnlyCollection<ColumnIdentity>> _remembered = new(StringComparer.Ordinal);
    private MaskingCatalog? _current;
    private long _lastVersion;
    private DateTimeOffset _retryLockedAt;

    private string TargetName => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Versions start at the activation's clock, so a reactivated grain, which remembers
        // nothing, still hands out versions above those of an earlier activation.
        _lastVersion = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var settings = options.Value;
        var tick = settings.RefreshInterval < settings.ErrorRetryInterval ? settings.RefreshInterval : settings.ErrorRetryInterval;
        this.RegisterGrainTimer(RefreshIfStaleAsync, new GrainTimerCreationOptions(tick, tick) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task<MaskingCatalog> GetAsync() =>
        IsFresh(_current, CurrentRules()) ? _current! : await ReadAsync(CancellationToken.None).ConfigureAwait(true);

    public Task<MaskingCatalog> RefreshAsync() => ReadAsync(CancellationToken.None);

    private async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        if (!IsFresh(_current, CurrentRules()))
        {
            await ReadAsync(cancellationToken).ConfigureAwait(true);
        }
    }

    /// <summary>Fresh: read recently enough, and for the masks the policy has now (a policy reload takes effect at once).</summary>
    private bool IsFresh(MaskingCatalog? snapshot, IReadOnlyList<MaskRule> rules)
    {
        if (snapshot is null || !CatalogContent.SameRules(snapshot.Rules, rules))
        {
            return false;
        }

        if (clock.GetUtcNow() < _retryLockedAt)
        {
            return true;
        }

        var settings = options.Value;
        var maxAge = snapshot.Error is null ? settings.RefreshInterval : settings.ErrorRetryInterval;
        return clock.GetUtcNow() - snapshot.LoadedAt < maxAge;
    }

    private MaskRule[] CurrentRules() => Masking.BuiltInMasks.With((gateway.PolicyFor(TargetName)?.Masks ?? []).Select(MaskRule.From));

    private async Task<MaskingCatalog> ReadAsync(CancellationToken cancellationToken)
    {
        var rules = CurrentRules();
        var target = gateway.TargetFor(TargetName);
        MaskingCatalog next;
        if (target is null)
        {
            next = new MaskingCatalog { Rules = rules, Error = $"the gateway has no target named '{TargetName}'" };
        }
        else if (rules.Length == 0)
        {
            next = new MaskingCatalog(); // nothing to mask: no reason to connect at all
        }
        else
        {
            next = await ReadUpstreamAsync(target, rules, cancellationToken).ConfigureAwait(true);
        }

        // A snapshot kept through a lock-out keeps its time, so it is read again once the retry is due.
        return ReferenceEquals(next, _current) ? next : _current = Stamp(next);
    }

    private async Task<MaskingCatalog> ReadUpstreamAsync(TargetOptions target, MaskRule[] rules, CancellationToken cancellationToken)
    {
        try
        {
            UpstreamCatalog upstream;
            var reader = await UpstreamCatalogReader.OpenAsync(target, cancellationToken).ConfigureAwait(true);
            await using (reader.ConfigureAwait(true))
            {
                upstream = await reader.ReadAsync(rules, RememberedFor(rules), cancellationToken).ConfigureAwait(true);
            }

            Remember(rules, upstream.Origins);
            LogRead(logger, TargetName, upstream.Origins.Count, upstream.Relations.Count);
            return new MaskingCatalog
            {
                Rules = rules, Origins = upstream.Origins, Relations = upstream.Relations, UserFunctions = upstream.UserFunctions,
                Functions = upstream.Functions, UserOperators = upstream.UserOperators, TextTypes = upstream.TextTypes,
            };
        }
#pragma warning disable CA1031 // Any failure becomes the snapshot's Error, on which callers fail closed; the grain stays up.
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            if (e is Npgsql.PostgresException { SqlState: "55P03" } && _current is { Error: null } previous
                && CatalogContent.SameRules(previous.Rules, rules))
            {
                // A session's uncommitted DDL holds a lock: what it changes is invisible to every
                // other session until it commits (and that session masks everything until it
                // settles), so the last good snapshot still holds. Try again soon.
                LogLockedOut(logger, TargetName);
                _retryLockedAt = clock.GetUtcNow() + options.Value.ErrorRetryInterval;
                return previous;
            }

            var error = UpstreamCatalogReader.DescribeFailure(e, target);
            LogReadFailed(logger, TargetName, error);
            return new MaskingCatalog { Rules = rules, Error = error };
        }
    }

    private Dictionary<int, IReadOnlyCollection<ColumnIdentity>> RememberedFor(MaskRule[] rules)
    {
        var byIndex = new Dictionary<int, IReadOnlyCollection<ColumnIdentity>>();
        for (var i = 0; i < rules.Length; i++)
        {
            if (_remembered.TryGetValue(rules[i].Column, out var columns))
            {
                byIndex[i] = columns;
            }
        }

        return byIndex;
    }

    // Only what the masks hold themselves (the configured columns and their partitions) is
    // remembered; view columns are found again from pg_depend, which follows OIDs, not names.
    private void Remember(MaskRule[] rules, IReadOnlyList<MaskedOrigin> origins) =>
        _remembered = origins.Where(o => !o.Derived && o.Rule >= 0)
            .GroupBy(o => rules[o.Rule].Column, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, IReadOnlyCollection<ColumnIdentity> (g) => g.Select(o => new ColumnIdentity(o.TableOid, o.AttributeNumber)).ToHashSet(),
                StringComparer.Ordinal);

    private MaskingCatalog Stamp(MaskingCatalog next)
    {
        var version = _current is { } previous && CatalogContent.Same(previous, next) ? previous.Version : ++_lastVersion;
        return next with { Version = version, LoadedAt = clock.GetUtcNow() };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Catalog of target {Target} read: {Origins} masked columns in {Relations} relations")]
    private static partial void LogRead(ILogger logger, string target, int origins, int relations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog of target {Target} could not be read, masking fails closed: {Error}")]
    private static partial void LogReadFailed(ILogger logger, string target, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Masking catalog of {Target}: a lock held by another session kept the read from finishing; the last snapshot stays in force")]
    private static partial void LogLockedOut(ILogger logger, string target);
}
