using BenchmarkDotNet.Running;
using OrleansGate.Bench.StatementPath;

// dotnet run -c Release --project bench/StatementPath -- --filter '*'                      (BenchmarkDotNet)
// dotnet run -c Release --project bench/StatementPath -- inline-projection-cost CONNSTRING (a database you can create schemas in)
// See docs/benchmarks.md.
if (args is ["inline-projection-cost", var connectionString])
{
    foreach (var line in await InlineProjectionCost.RunAsync(connectionString))
    {
        Console.WriteLine(line);
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(StatementPathBenchmarks).Assembly).Run(args);
