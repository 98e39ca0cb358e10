namespace HoopGate.Gateway.Sessions;

/// <summary>An approval spent on one execution of an extended-protocol statement.</summary>
/// <param name="request">The review request that approved it.</param>
internal sealed class ApprovalTicket(long request)
{
    /// <summary>What reserved statement names begin with; a client may not use one.</summary>
    public const string ReservedPrefix = "hoopgate_approved_";

    public long Request { get; } = request;

    /// <summary>
    /// The server-side name the approved statement is parsed under: never the client's unnamed statement, so that no
    /// bookkeeping slip of the gateway's can make the server run it again. Bound once, then closed.
    /// </summary>
    public string ServerName => ReservedPrefix + Request.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The one Bind of it went up (any later Bind of the client's unnamed statement is refused).</summary>
    public bool Bound { get; set; }

    /// <summary>The portal whose execution spends the approval (its later Executes continue the same run).</summary>
    public PreparedStatement? Portal { get; set; }
}
