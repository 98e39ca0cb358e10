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

    /// <summary>For a portal: the result formats its Bind asked for; null when the Bind was too large to read them.</summary>
    public short[]? ResultFormats { get; init; }
}
