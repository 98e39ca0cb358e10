using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Gateway.Sessions;

/// <summary>What a prepared statement (or a portal bound to it) runs: its SQL, analysis and verdict at Parse.</summary>
internal sealed record PreparedStatement(string Sql, SqlAnalysis Analysis, PolicyDecision Decision);
