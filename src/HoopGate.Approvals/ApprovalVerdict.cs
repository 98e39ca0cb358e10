namespace HoopGate.Approvals;

/// <summary>What a session may do with a statement held for review.</summary>
public enum ApprovalVerdict
{
    /// <summary>Approved, and the approval is now spent on this run: send the statement.</summary>
    Approved,

    /// <summary>Retry mode: a request is filed (or already pending); the client is told its number.</summary>
    Pending,

    /// <summary>An approver said no.</summary>
    Denied,

    /// <summary>Nobody decided in time.</summary>
    Expired,

    /// <summary>The client cancelled, or went away, while it waited.</summary>
    Withdrawn,

    /// <summary>The rule asks for a justification and the statement gave none.</summary>
    NeedsJustification,

    /// <summary>The requester already has <see cref="ApprovalCoordinator.MaxPendingPerRequester"/> requests pending: no new one is filed.</summary>
    TooManyPending,

    /// <summary>The store could not be reached: the statement does not run.</summary>
    Unavailable,
}
