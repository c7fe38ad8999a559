using OrleansGate.Demo;

// `dotnet run --project src/Demo -c Release` (scripts/demo.sh): provisions PostgreSQL and sample
// data, then runs the gateway all-in-one (docs/demo.md).
return await DemoCommand.RunAsync(args);
