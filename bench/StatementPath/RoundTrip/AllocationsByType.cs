using System.Diagnostics.Tracing;

namespace OrleansGate.Bench.StatementPath.RoundTrip;

/// <summary>
/// Which types the whole statement path allocates, from the runtime's allocation sampling (one
/// GCAllocationTick event per ~100 KB allocated, naming the type that crossed the mark): run a
/// number of statements through the in-process gateway and print the types by their share of the
/// samples. It says where to look; the memory diagnoser's bytes per statement say how much.
/// </summary>
internal static class AllocationsByType
{
    public static async Task<IReadOnlyList<string>> RunAsync(StatementRoundTripBenchmarks.Route route, bool prepared, int statements)
    {
        var bench = new StatementRoundTripBenchmarks { Through = route };
        bench.Setup();
        try
        {
            for (var i = 0; i < 2_000; i++)
            {
                await Run(bench, prepared).ConfigureAwait(false);
            }

            using var listener = new AllocationTicks();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < statements; i++)
            {
                await Run(bench, prepared).ConfigureAwait(false);
            }

            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            var samples = listener.Snapshot();
            var total = samples.Values.Sum();
            var lines = new List<string>
            {
                $"{route}, {(prepared ? "prepared" : "unprepared")}: {allocated / (double)statements:F0} B allocated per statement (the client's included), {total} samples",
            };
            lines.AddRange(samples.OrderByDescending(p => p.Value).Take(40)
                .Select(p => $"  {100.0 * p.Value / total,6:F1} %  {p.Key}"));
            return lines;
        }
        finally
        {
            bench.Cleanup();
        }
    }

    private static Task<object?> Run(StatementRoundTripBenchmarks bench, bool prepared) => prepared ? bench.Prepared() : bench.Unprepared();

    private sealed class AllocationTicks : EventListener
    {
        private readonly Dictionary<string, int> _byType = new(StringComparer.Ordinal);

        public Dictionary<string, int> Snapshot()
        {
            lock (_byType)
            {
                return new Dictionary<string, int>(_byType, StringComparer.Ordinal);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                // Keyword 0x1: GC events; GCAllocationTick is raised at Verbose.
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is null)
            {
                return;
            }

            var index = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
            var type = index >= 0 ? eventData.Payload[index] as string ?? "?" : "?";
            lock (_byType)
            {
                _byType[type] = _byType.GetValueOrDefault(type) + 1;
            }
        }
    }
}
