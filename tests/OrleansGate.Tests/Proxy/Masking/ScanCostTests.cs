using System.Diagnostics;
using System.Text;
using OrleansGate.Grains.Policy;
using Xunit;
using static OrleansGate.Tests.Proxy.Masking.Masks;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>
/// Detection stays linear on text built to make scanners re-read it (repeated prefixes, long runs).
/// A quadratic scan over these 400 KB values takes minutes; a linear one well under the bound.
/// </summary>
public sealed class ScanCostTests
{
    [Theory]
    [InlineData("1 ")]
    [InlineData("1")]
    [InlineData("a@")]
    [InlineData("a.")]
    [InlineData("AIza-")]
    [InlineData("eyJ")]
    [InlineData("DE89 ")]
    [InlineData("+1 ")]
    [InlineData("xoxb-")]
    [InlineData("Bearer ")]
    public void Adversarial_repetition_is_scanned_in_linear_time(string unit)
    {
        var value = Encoding.UTF8.GetBytes(new StringBuilder().Insert(0, unit, 400_000 / unit.Length).ToString());
        var rule = Rule(MaskStrategy.Redact, 0, 0,
            ContentDetector.Email, ContentDetector.PaymentCard, ContentDetector.Iban, ContentDetector.UsSsn,
            ContentDetector.Phone, ContentDetector.Jwt, ContentDetector.ApiKey);

        var clock = Stopwatch.StartNew();
        Apply(rule, 25, Text, value);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }
}
