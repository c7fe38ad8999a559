using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/StatementPath -- --filter '*'   (see README.md)
BenchmarkSwitcher.FromAssembly(typeof(OrleansGate.Bench.StatementPath.StatementPathBenchmarks).Assembly).Run(args);
