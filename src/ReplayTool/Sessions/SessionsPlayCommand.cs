using System.CommandLine;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.ReplayTool.Store;

namespace OrleansGate.ReplayTool.Sessions;

/// <summary><c>sessions play ID [--speed N] [--max-wait S] [--timing]</c>: the session as a psql-like transcript, at its original pace.</summary>
public static class SessionsPlayCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = SessionsCommand.IdArgument();
        var speed = new Option<double>("--speed")
        {
            Description = "Pace: 1 is as it happened, 10 ten times faster, 0 no waiting",
            DefaultValueFactory = _ => 1,
        };
        var maxWait = new Option<double>("--max-wait")
        {
            Description = "Longest pause between two statements, in seconds (default 10), so idle sessions do not stall the replay",
            DefaultValueFactory = _ => 10,
        };
        var timing = new Option<bool>("--timing")
        {
            Description = "After each pause, a comment with the time actually waited and the gap in the session",
        };
        var command = new Command("play", "Re-render a session as a psql-like transcript with its original pacing") { id, speed, maxWait, timing };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            var pace = parse.GetValue(speed);
            if (pace < 0 || double.IsNaN(pace))
            {
                throw new CommandFailedException("--speed: must be 0 (no waiting) or more", ExitCodes.Usage);
            }

            using var access = AuditStoreAccess.Open(parse, globals);
            var (summary, timeline) = await SessionsCommand.LoadAsync(access, parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            var transcript = new SessionTranscript(parse.InvocationConfiguration.Output, pace,
                TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(maxWait))), parse.GetValue(timing));
            await transcript.PlayAsync(summary, timeline, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
