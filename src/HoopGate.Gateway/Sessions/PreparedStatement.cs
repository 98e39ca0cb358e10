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
}
