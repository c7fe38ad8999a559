using System.Text;
using OrleansGate.Grains.Approvals;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>
/// A sealed approval state is checked over the bytes the storage serializer writes for it again:
/// state stored by an earlier release must come out byte for byte, or every open window and
/// pending request would look tampered with after an upgrade.
/// </summary>
public sealed class ApprovalStorageFormatTests
{
    [Fact]
    public void A_window_stored_by_the_release_of_2026_12_07_is_written_again_byte_for_byte()
    {
        // As that release stored it (its seal left out, as when the seal is computed and checked).
        const string Stored = """{"Seal":null,"Until":"2026-12-07T16:03:41.5797165+00:00","ApprovalId":"ap-1"}""";
        var serializer = new ApprovalStorageSerializer();

        var state = serializer.Deserialize<ApprovalWindowState>(new BinaryData(Encoding.UTF8.GetBytes(Stored)));

        Assert.Equal(Stored, Encoding.UTF8.GetString(serializer.Serialize(state).ToArray()));
    }
}
