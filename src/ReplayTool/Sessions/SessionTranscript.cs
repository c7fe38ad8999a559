using OrleansGate.Grains.Audit.Projections;

namespace OrleansGate.ReplayTool.Sessions;

/// <summary>
/// Renders a session as psql would have shown it: the prompt and statement, the gateway's decision
/// as an SQL comment, the outcome (command tag or error). Each statement is written when its
/// original offset from the session start, divided by the speed, has passed. With
/// <c>timing</c>, each pause is followed by a comment saying how long the tool actually waited
/// (its own stopwatch) and how long the gap was in the session. Each statement's lines are
/// <see cref="TimelineTranscript"/>'s, which the console's session page shows too.
/// </summary>
internal sealed class SessionTranscript(TextWriter output, double speed, TimeSpan maxWait, bool timing = false)
{
    public async Task PlayAsync(SessionSummary summary, SessionTimeline timeline, CancellationToken cancellationToken)
    {
        var prompt = TimelineTranscript.Prompt(summary.Identity, summary.Target);
        await output.WriteLineAsync(
            $"-- session {summary.Id}: {summary.Identity} on {summary.Target} from {summary.ClientAddress ?? "?"}" +
            $"{(summary.ApplicationName is { Length: > 0 } app ? $" ({app})" : "")}, started {Store.Output.Time(summary.Start)}").ConfigureAwait(false);
        var previous = 0.0;
        foreach (var entry in timeline.Entries)
        {
            await WaitAsync(entry.OffsetMs - previous, cancellationToken).ConfigureAwait(false);
            previous = entry.OffsetMs;
            foreach (var line in TimelineTranscript.Render(prompt, entry))
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (timeline.End is { } end)
        {
            await WaitAsync((end - timeline.Start).TotalMilliseconds - previous, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"-- session ended {Store.Output.Time(end)}: {timeline.EndReason}").ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(double milliseconds, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        if (speed > 0 && milliseconds > 0)
        {
            var wait = TimeSpan.FromMilliseconds(milliseconds / speed);
            if (wait > maxWait)
            {
                wait = maxWait;
            }

            if (wait >= TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }

        if (timing && milliseconds > 0)
        {
            // Measured, not computed: what the reader of the transcript actually sat through.
            await output.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"-- paused {waited.Elapsed.TotalSeconds:0.000}s ({milliseconds / 1000:0.000}s in the session, speed {speed:0.###})")).ConfigureAwait(false);
        }
    }
}
