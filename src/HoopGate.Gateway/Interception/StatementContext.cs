using HoopGate.Gateway.Sessions;
using HoopGate.Masking;
using HoopGate.Sql;

namespace HoopGate.Gateway.Interception;

/// <summary>
/// What travels with a request through the <see cref="SessionModel"/> to its answer: the audit record it completes,
/// what the server's rows are the result of (to mask them), and for a Describe, where the plan it yields belongs.
/// </summary>
internal sealed class StatementContext
{
    /// <summary>The audit record (null when audit is off or the request is not a statement).</summary>
    public AuditedStatement? Audit { get; init; }

    /// <summary>The SQL string the request runs (a Query's whole string, an Execute's prepared statement).</summary>
    public SqlAnalysis? Analysis { get; init; }

    /// <summary>For an Execute, the portal it runs.</summary>
    public PreparedStatement? Portal { get; init; }

    /// <summary>For a Describe, where the plan of the RowDescription goes.</summary>
    public ResultSlot? DescribeTarget { get; init; }

    /// <summary>A Describe the gateway added (for an Execute of a portal nobody described): its answer is not the client's.</summary>
    public bool Injected { get; init; }

    /// <summary>For a Describe, the statement described.</summary>
    public StatementInfo? Described { get; init; }

    /// <summary>Which statement of a multi-statement Query the server is answering now.</summary>
    public int Index { get; set; }

    /// <summary>The statement the server is answering now, when known.</summary>
    public StatementInfo? Statement =>
        Analysis is { IsValid: true } analysis && Index < analysis.Statements.Count ? analysis.Statements[Index] : null;

    /// <summary>Masked and unmasked columns seen so far (for the audit record).</summary>
    public void NoteMasking(ResultPlan plan)
    {
        if (Audit is null || (plan.MaskedColumns.Count == 0 && plan.UnmaskedColumns.Count == 0))
        {
            return;
        }

        Audit.AddMasking(plan.MaskedColumns, plan.UnmaskedColumns);
    }
}
