using System.Diagnostics;
using Xunit.Abstractions;

namespace OrleansGate.Tests.Support;

/// <summary>
/// Writes how long after its start a slow test reached each step into the test's output (kept in
/// the trx), so a full run says where such a test spends its time.
/// </summary>
public sealed class StepTimes(ITestOutputHelper output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Step(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:0.0} s  {what}");

    /// <summary>A line under the last step, indented to read as part of it.</summary>
    public void Detail(string text) => output.WriteLine("         " + text);
}
