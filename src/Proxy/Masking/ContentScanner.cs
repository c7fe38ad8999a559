using OrleansGate.Grains.Policy;

namespace OrleansGate.Proxy.Masking;

/// <summary>The detectors a rule enables, as bits, so scanning a value does not walk a list.</summary>
[Flags]
internal enum DetectorSet
{
    None = 0,
    Email = 1 << 0,
    PaymentCard = 1 << 1,
    Iban = 1 << 2,
    UsSsn = 1 << 3,
    Phone = 1 << 4,
    Jwt = 1 << 5,
    ApiKey = 1 << 6,
}

/// <summary>
/// Runs the enabled detectors over UTF-8 text. Every detector is a hand-written forward scan that
/// looks a bounded distance ahead from each position, so the cost is linear in the text whatever
/// an attacker stores in it — no backtracking regular expressions on result data.
/// </summary>
internal static class ContentScanner
{
    public static DetectorSet SetOf(IReadOnlyList<ContentDetector> detectors)
    {
        var set = DetectorSet.None;
        foreach (var detector in detectors)
        {
            set |= detector switch
            {
                ContentDetector.Email => DetectorSet.Email,
                ContentDetector.PaymentCard => DetectorSet.PaymentCard,
                ContentDetector.Iban => DetectorSet.Iban,
                ContentDetector.UsSsn => DetectorSet.UsSsn,
                ContentDetector.Phone => DetectorSet.Phone,
                ContentDetector.Jwt => DetectorSet.Jwt,
                ContentDetector.ApiKey => DetectorSet.ApiKey,
                _ => throw new ArgumentOutOfRangeException(nameof(detectors), detector, "unknown content detector"),
            };
        }

        return set;
    }

    /// <summary>Adds what the detectors find, sorted by start, overlapping finds joined.</summary>
    public static void Find(ReadOnlySpan<byte> text, DetectorSet set, ref DetectedSpans spans)
    {
        if ((set & DetectorSet.Email) != 0)
        {
            EmailDetector.Find(text, ref spans);
        }

        if ((set & DetectorSet.PaymentCard) != 0)
        {
            PaymentCardDetector.Find(text, ref spans);
        }

        if ((set & DetectorSet.Iban) != 0)
        {
            IbanDetector.Find(text, ref spans);
        }

        if ((set & DetectorSet.UsSsn) != 0)
        {
            UsSsnDetector.Find(text, ref spans);
        }

        if ((set & DetectorSet.Phone) != 0)
        {
            PhoneDetector.Find(text, ref spans);
        }

        if ((set & DetectorSet.Jwt) != 0)
        {
            JwtDetector.Find(text, ref spans);
        }

        if ((set & DetectorSet.ApiKey) != 0)
        {
            ApiKeyDetector.Find(text, ref spans);
        }

        spans.SortAndMerge();
    }
}
