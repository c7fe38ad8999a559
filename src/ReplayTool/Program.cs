// The operator CLI over the audit event store (INTERFACE.md, "Replay tool commands").
// The event store arrives with the audit-first work; until then every command says so and
// exits 2, so scripts cannot mistake this build for one that verified anything.
Console.Error.WriteLine(
    "OrleansGate.ReplayTool: this build has no audit event store yet, so it has no commands to run.");
return 2;
