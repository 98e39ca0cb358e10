namespace HoopGate.Approvals;

/// <summary>What became of an approver's decision.</summary>
public enum DecisionResult
{
    /// <summary>Recorded: the request is now approved or denied.</summary>
    Decided,

    /// <summary>Recorded, but the rule asks for more approvals before the request is approved.</summary>
    NeedsMoreApprovals,

    /// <summary>There is no such request.</summary>
    NotFound,

    /// <summary>The request is no longer pending (decided, expired, withdrawn or run).</summary>
    NotPending,

    /// <summary>Requesters cannot decide their own requests.</summary>
    SelfApproval,

    /// <summary>The approver is in none of the request's approver groups.</summary>
    NotAnApprover,

    /// <summary>This approver has already approved the request.</summary>
    AlreadyApproved,
}
