namespace HoopGate.Approvals;

/// <summary>Where a review request stands.</summary>
public enum ReviewStatus
{
    /// <summary>Waiting for its decision.</summary>
    Pending,

    /// <summary>Approved and not yet run: the requester may run it once before it expires.</summary>
    Approved,

    /// <summary>An approver said no.</summary>
    Denied,

    /// <summary>Nobody decided in time, or an approval was not used in time.</summary>
    Expired,

    /// <summary>The requester withdrew it (a cancelled or abandoned wait).</summary>
    Withdrawn,

    /// <summary>The approved statement ran; the approval is spent.</summary>
    Executed,
}
