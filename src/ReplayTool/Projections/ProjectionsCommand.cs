using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Marten;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.ReplayTool.Store;
using Spectre.Console;

namespace OrleansGate.ReplayTool.Projections;

/// <summary><c>projections rebuild|daemon</c>: build the async audit projections from the events.</summary>
public static class ProjectionsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var projections = new Command("projections", "Build the audit projections: rebuild from scratch, or keep them current (daemon)");
        projections.Add(Rebuild(globals));
        projections.Add(Daemon(globals));
        return projections;
    }

    private sealed record Rebuilt(string Projection, double Seconds);

    private static Command Rebuild(GlobalOptions globals)
    {
        var command = new Command("rebuild", "Rebuild every audit projection from the whole event record; prints the time taken");
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            using var access = AuditStoreAccess.Open(parse, globals);
            var json = parse.GetValue(globals.Json);
            var console = Output.Console(parse);
            var total = Stopwatch.StartNew();
            var timings = new List<Rebuilt>();
            var events = await access.RunAsync(async store =>
            {
                await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
                using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
                async Task RunAllAsync(Action<string>? started, Action<string>? finished)
                {
                    foreach (var name in AuditProjections.Names)
                    {
                        started?.Invoke(name);
                        var watch = Stopwatch.StartNew();
                        if (name == AccessProjection.Name)
                        {
                            // A custom projection: Marten does not know its documents, so clear them here.
                            await using var session = store.LightweightSession();
                            session.DeleteWhere<IdentityActivity>(_ => true);
                            session.DeleteWhere<TableAccess>(_ => true);
                            session.DeleteWhere<AccessCursor>(_ => true);
                            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                        }

                        await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(30), cancellationToken).ConfigureAwait(false);
                        timings.Add(new Rebuilt(name, watch.Elapsed.TotalSeconds));
                        finished?.Invoke(name);
                    }
                }

                if (json)
                {
                    await RunAllAsync(null, null).ConfigureAwait(false);
                }
                else
                {
                    await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
                        .StartAsync(async context =>
                        {
                            var tasks = AuditProjections.Names.ToDictionary(n => n, n => context.AddTask(n, autoStart: false, maxValue: 1));
                            await RunAllAsync(n => tasks[n].StartTask(), n => tasks[n].Increment(1)).ConfigureAwait(false);
                        }).ConfigureAwait(false);
                }

                await using var query = store.QuerySession();
                return await query.Events.QueryAllRawEvents().CountAsync(cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);

            var seconds = total.Elapsed.TotalSeconds;
            if (json)
            {
                Output.WriteJson(parse, new { Events = events, Seconds = seconds, Projections = timings });
            }
            else
            {
                foreach (var t in timings)
                {
                    console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t.Projection}: {t.Seconds:0.00}s"));
                }

                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Rebuilt {timings.Count} projections over {events} events in {seconds:0.00}s"));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Daemon(GlobalOptions globals)
    {
        var command = new Command("daemon", "Keep the audit projections current until stopped (Ctrl+C)");
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            using var access = AuditStoreAccess.Open(parse, globals);
            await access.RunAsync(async store =>
            {
                await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
                using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
                await daemon.StartAllAsync().ConfigureAwait(false);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"projection daemon running on {access.Where}; Ctrl+C stops it")
                    .ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                await daemon.StopAllAsync().ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
