using System.Security.Cryptography;
using System.Text;

namespace OrleansGate.Grains.Approvals;

/// <summary>A window a grant opened: until when, and which approval opened it.</summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalWindowView(
    [property: Id(0)] DateTimeOffset Until,
    [property: Id(1)] string ApprovalId);

/// <summary>
/// One "identity | target | fingerprint" a grant with a window lets through without a new hold
/// (keyed by <see cref="ApprovalWindowKey.For(string, string, string)"/>), persisted in grain
/// storage <c>approvals</c>.
/// </summary>
public interface IApprovalWindowGrain : IGrainWithStringKey
{
    /// <summary>Opens (or extends) the window until <paramref name="until"/>; a later window is never shortened.</summary>
    Task OpenAsync(DateTimeOffset until, string approvalId);

    /// <summary>The window while it is open; null before and after.</summary>
    Task<ApprovalWindowView?> GetAsync();
}

public static class ApprovalWindowKey
{
    /// <summary>
    /// The window grain's key: a hash of identity, target and fingerprint, so that a long batch's
    /// fingerprint still makes a short key and the parts cannot run into each other.
    /// </summary>
    public static string For(string identity, string target, string fingerprint)
    {
        var text = $"{identity.Length}:{identity}|{target.Length}:{target}|{fingerprint}";
        return "win-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public static string For(ApprovalRequest request) => For(request.Requester, request.Target, request.Fingerprint);
}
