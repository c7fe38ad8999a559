using BenchmarkDotNet.Running;
using OrleansGate.Bench.StatementPath;

// dotnet run -c Release --project bench/StatementPath -- --filter '*'                      (BenchmarkDotNet)
// dotnet run -c Release --project bench/StatementPath -- inline-projection-cost CONNSTRING (a database you can create schemas in)
// bench/roundtrip.sh [BenchmarkDotNet arguments]                                          (the whole path in process)
// bench/roundtrip.sh allocations GatewayAuditInMemory prepared 20000                        (what it allocates, by type)
// See docs/benchmarks.md.
if (args is ["inline-projection-cost", var connectionString])
{
    foreach (var line in await InlineProjectionCost.RunAsync(connectionString))
    {
        Console.WriteLine(line);
    }

    return;
}

if (args is ["allocations", var route, var protocol, var count])
{
    // Run by bench/roundtrip.sh allocations ROUTE prepared|unprepared N.
    var through = Enum.Parse<OrleansGate.Bench.StatementPath.RoundTrip.StatementRoundTripBenchmarks.Route>(route);
    foreach (var line in await OrleansGate.Bench.StatementPath.RoundTrip.AllocationsByType.RunAsync(through, protocol == "prepared",
                 int.Parse(count, System.Globalization.CultureInfo.InvariantCulture)))
    {
        Console.WriteLine(line);
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(StatementPathBenchmarks).Assembly).Run(args);
