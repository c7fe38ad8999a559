using System.CommandLine;
using System.CommandLine.Help;
using OrleansGate.ReplayTool.Approvals;
using OrleansGate.ReplayTool.Projections;
using OrleansGate.ReplayTool.Query;
using OrleansGate.ReplayTool.Sessions;

namespace OrleansGate.ReplayTool.Cli;

/// <summary>
/// The root command. Each command group lives in its own folder and adds itself here
/// (<c>approvals</c>, <c>sessions</c>, <c>query</c>, <c>projections</c>; <c>verify</c> comes with the tamper-evidence work).
/// </summary>
public static class ReplayCli
{
    public static RootCommand Create()
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("OrleansGate replay tool: the operator CLI over the audit record and the admin API");
        globals.AddTo(root);
        root.Add(ApprovalsCommand.Create(globals));
        root.Add(SessionsCommand.Create(globals));
        root.Add(QueryCommand.Create(globals));
        root.Add(ProjectionsCommand.Create(globals));
        root.Add(Verify.VerifyCommand.Create(globals));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = Create();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"error: {problem.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run with --help for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // A group named without a subcommand (e.g. `approvals`) shows its help and is bad usage.
        if (parse.Action is null || (parse.CommandResult.Command.Action is null && parse.Action is not HelpAction))
        {
            await error.WriteLineAsync($"error: '{parse.CommandResult.Command.Name}' needs a command; run with --help for usage.")
                .ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).ConfigureAwait(false);
    }

    /// <summary>Runs a command body, turning <see cref="CommandFailedException"/> into its line and exit code.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Guard(Func<ParseResult, CancellationToken, Task<int>> body) =>
        async (parse, cancellationToken) =>
        {
            try
            {
                return await body(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (CommandFailedException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return e.ExitCode;
            }
        };
}
