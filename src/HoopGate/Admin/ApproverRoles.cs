using HoopGate.Approvals;
using HoopGate.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HoopGate.Admin;

/// <summary>
/// Who approves, for the API and the console alike: members of the configured approver groups (they see every request),
/// and members of the groups a review rule of the policy in force names (they see and decide that rule's requests).
/// </summary>
internal sealed class ApproverRoles(IReadOnlyList<string> defaultApprovers, PolicyProvider policy)
{
    public static ApproverRoles From(IServiceProvider gateway) => new(
        gateway.GetRequiredService<IOptions<ApprovalOptions>>().Value.ApproverGroups, gateway.GetRequiredService<PolicyProvider>());

    public bool IsApprover(IEnumerable<string> groups) => groups.Any(g => defaultApprovers.Contains(g, StringComparer.Ordinal)
        || policy.Current.Guardrails.Any(r => r.Action == PolicyAction.Review && r.Review.Approvers.Contains(g, StringComparer.Ordinal)));

    /// <summary>A member of a configured approver group: sees every request.</summary>
    public bool SeesAll(IEnumerable<string> groups) => groups.Any(g => defaultApprovers.Contains(g, StringComparer.Ordinal));

    /// <summary>In one of the request's approver groups (whether its own request is left to the store to refuse).</summary>
    public static bool MayDecide(IEnumerable<string> groups, ReviewRequest request) =>
        groups.Any(g => request.ApproverGroups.Contains(g, StringComparer.Ordinal));
}
