namespace HoopGate.Audit;

/// <summary>What an audit record tells. The names are stored in the <c>kind</c> column.</summary>
public enum AuditRecordKind
{
    /// <summary>session_start: who, from where, to which database, as which upstream role.</summary>
    SessionStart,

    /// <summary>session_end: when and why.</summary>
    SessionEnd,

    /// <summary>statement_start: the SQL, its analysis and the policy's decision; durable before the statement runs.</summary>
    StatementStart,

    /// <summary>statement_finish: rows, SQLSTATE and message, duration.</summary>
    StatementFinish,

    /// <summary>auth_success.</summary>
    AuthenticationSucceeded,

    /// <summary>auth_failure, with the reason.</summary>
    AuthenticationFailed,

    /// <summary>console_access: what a person did or looked at in the compliance console (who audits the auditors).</summary>
    ConsoleAccess,
}
