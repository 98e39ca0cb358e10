using System.Text.Json;
using HoopGate.Approvals;

namespace HoopGate.Admin;

/// <summary>How review requests look in the admin API and in <c>hoopgate approvals … --json</c>.</summary>
internal static class ReviewJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static Dictionary<string, object?> Of(ReviewRequest request, IReadOnlyList<ReviewEvent>? events = null)
    {
        var json = new Dictionary<string, object?>
        {
            ["id"] = request.Id,
            ["status"] = ReviewStore.Name(request.Status),
            ["created_at"] = request.CreatedAt,
            ["requester"] = request.RequesterSubject,
            ["requester_email"] = request.RequesterEmail,
            ["requester_groups"] = request.RequesterGroups,
            ["database"] = request.Database,
            ["sql"] = request.Sql,
            ["sql_sha256"] = request.SqlHash,
            ["fingerprint"] = request.Fingerprint,
            ["rule"] = request.Rule,
            ["reason"] = request.Reason,
            ["justification"] = request.Justification,
            ["mode"] = request.Waiting ? "wait" : "retry",
            ["approver_groups"] = request.ApproverGroups,
            ["approvals_required"] = request.ApprovalsRequired,
            ["approvals"] = request.Approvals,
            ["expires_at"] = request.ExpiresAt,
            ["decided_by"] = request.DecidedBy,
            ["decided_at"] = request.DecidedAt,
            ["decision_comment"] = request.DecisionComment,
            ["executed_at"] = request.ExecutedAt,
            ["executed_session_id"] = request.ExecutedSessionId,
            ["instance_id"] = request.InstanceId,
            ["session_id"] = request.SessionId,
        };
        if (events is not null)
        {
            json["events"] = events.Select(e => new Dictionary<string, object?>
            {
                ["at"] = e.At,
                ["event"] = e.Event,
                ["actor"] = e.Actor,
                ["comment"] = e.Comment,
            }).ToList();
        }

        return json;
    }
}
