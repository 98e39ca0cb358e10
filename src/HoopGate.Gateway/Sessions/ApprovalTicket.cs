namespace HoopGate.Gateway.Sessions;

/// <summary>An approval spent on one execution of an extended-protocol statement.</summary>
/// <param name="request">The review request that approved it.</param>
internal sealed class ApprovalTicket(long request)
{
    public long Request { get; } = request;

    /// <summary>The portal whose execution spends the approval (its later Executes continue the same run).</summary>
    public PreparedStatement? Portal { get; set; }
}
