// The operator CLI (INTERFACE.md, "Replay tool commands"): `OrleansGate.ReplayTool [--config FILE] COMMAND`.
// Exit 0 on success, 1 when a check fails, 2 on bad usage.
return await OrleansGate.ReplayTool.Cli.ReplayCli.RunAsync(args);
