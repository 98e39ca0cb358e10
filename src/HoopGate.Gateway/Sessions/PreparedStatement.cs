using HoopGate.Gateway.Interception;
using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// What a prepared statement (or a portal bound to it) runs: its SQL, analysis and verdict at Parse; for a portal, the
/// parameters bound to it as the audit trail records them.
/// </summary>
internal sealed record PreparedStatement(string Sql, SqlAnalysis Analysis, PolicyDecision Decision)
{
    public IReadOnlyList<string?>? Parameters { get; init; }

    public string? ParametersOmitted { get; init; }

    /// <summary>The one statement it runs (what a Describe of it describes), or null when its SQL is not one valid statement.</summary>
    public StatementInfo? Statement => Analysis is { IsValid: true, Statements.Count: 1 } analysis ? analysis.Statements[0] : null;

    /// <summary>The plan from a Describe of the statement (shared with its portals, which copy the reference).</summary>
    public ResultSlot StatementResult { get; init; } = new();

    /// <summary>For a portal: the plan from a Describe of the portal.</summary>
    public ResultSlot? PortalResult { get; init; }

    /// <summary>
    /// For a statement that runs under an approval: the approval, shared with its portals. One execution spends it: the
    /// first portal executed owns it, and an Execute of any other portal of the statement is refused.
    /// </summary>
    public ApprovalTicket? Approval { get; init; }

    /// <summary>
    /// The Parse went up after other requests of its batch: an error in one of them makes the server skip it. Until the
    /// server has answered it, a Bind in a later batch cannot know which statement it binds.
    /// </summary>
    public bool AtRisk { get; init; }

    /// <summary>The batch (Syncs and Queries counted) its Parse went up in.</summary>
    public long Batch { get; init; }

    /// <summary>Set when the server has answered its Parse (ParseComplete, or an error or skip: then <see cref="Failed"/>).</summary>
    public bool Settled => _settled != 0;

    /// <summary>The server refused or skipped its Parse: the name does not hold this statement upstream.</summary>
    public bool Failed => _settled == 2;

    private volatile int _settled;

    /// <summary>The server answered the Parse (called from the server-to-client pump).</summary>
    public void Settle(bool parsed) => _settled = parsed ? 1 : 2;

    /// <summary>For a portal: the result formats its Bind asked for; null when the Bind was too large to read them.</summary>
    public short[]? ResultFormats { get; init; }
}
