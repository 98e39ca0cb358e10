using HoopGate.Approvals;

namespace HoopGate.Admin;

/// <summary>Records an approver's decision and says how it went, for the API and the console alike.</summary>
internal sealed class ReviewDecider(ReviewStore store, ReviewAnnouncer announcer)
{
    /// <summary>
    /// Decides request <paramref name="id"/> as <paramref name="subject"/>; the outcome's status is HTTP's (200 decided or
    /// awaiting more approvals, 403, 404, 409) and its problem says why when it is not 200.
    /// </summary>
    public async Task<(int Status, string? Problem, ReviewRequest? Request)> DecideAsync(
        long id, string subject, IReadOnlyList<string> groups, bool approve, string? comment, CancellationToken cancellationToken)
    {
        (DecisionResult result, ReviewRequest? request) = await store.DecideAsync(id, new Approver(subject, groups), approve, comment, cancellationToken);
        switch (result)
        {
            case DecisionResult.Decided or DecisionResult.NeedsMoreApprovals:
                if (result == DecisionResult.Decided)
                {
                    announcer.Announce(request!, approve ? "approved" : "denied", subject, comment);
                }

                return (200, null, request);
            case DecisionResult.NotFound:
                return (404, "there is no review request " + id, null);
            case DecisionResult.NotPending:
                return (409, "review request " + id + " is " + ReviewStore.Name(request!.Status) + ", no longer pending", request);
            case DecisionResult.SelfApproval:
                return (403, "you cannot decide your own review request", request);
            case DecisionResult.AlreadyApproved:
                return (409, "you have already approved review request " + id + "; it needs another approver", request);
            default:
                return (403, "you are in none of request " + id + "'s approver groups (" + string.Join(", ", request!.ApproverGroups) + ")", request);
        }
    }
}
