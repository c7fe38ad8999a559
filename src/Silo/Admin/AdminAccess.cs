using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// What an authenticated identity may see and do through the admin API. A held request shows its
/// statements, and a live session who is connected from where: each is shown only to those it
/// concerns. Members of <see cref="AdminOptions.AdminGroups"/> see and end every session and see
/// every request; an approver sees the requests its groups may decide; everyone sees their own.
/// Whatever an identity may not see answers as if it did not exist (404), so ids cannot be probed.
/// </summary>
public sealed class AdminAccess(AdminOptions options)
{
    private readonly HashSet<string> _adminGroups = new(options.AdminGroups, StringComparer.Ordinal);
    private readonly HashSet<string> _auditorGroups = new(options.AuditorGroups, StringComparer.Ordinal);
    private readonly HashSet<string> _policyEditorGroups = new(options.PolicyEditorGroups, StringComparer.Ordinal);

    public bool IsAdmin(Approver who) => who.Groups.Any(_adminGroups.Contains);

    public bool MaySee(Approver who, ApprovalRequest request) =>
        IsAdmin(who) || who.Identity == request.Requester || who.Groups.Intersect(request.ApproverGroups, StringComparer.Ordinal).Any();

    /// <summary>Listing and ending: administrators any session, others only their own.</summary>
    public bool MaySee(Approver who, LiveSession session) => IsAdmin(who) || who.Identity == session.Identity;

    /// <summary>A session's record (its timeline): administrators and auditors any, others only their own.</summary>
    public bool MayRead(Approver who, string sessionIdentity) => ReadsEverything(who) || who.Identity == sessionIdentity;

    /// <summary>Administrators and auditors: every session's record, every target's policy.</summary>
    public bool ReadsEverything(Approver who) => IsAdmin(who) || who.Groups.Any(_auditorGroups.Contains);

    /// <summary>Recording a policy version or rolling back: administrators and members of <see cref="AdminOptions.PolicyEditorGroups"/>.</summary>
    public bool MayEditPolicies(Approver who) => IsAdmin(who) || who.Groups.Any(_policyEditorGroups.Contains);

    /// <summary>Reading the policy versions (every policy, every target's): editors, administrators and auditors.</summary>
    public bool MayReadPolicyVersions(Approver who) => MayEditPolicies(who) || ReadsEverything(who);
}
