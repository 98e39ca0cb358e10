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

    /// <summary>For a Parse: the statement it defines, settled when the server answers.</summary>
    public PreparedStatement? Parsed { get; init; }

    /// <summary>A Close the gateway added: its CloseComplete is not the client's.</summary>
    public bool InjectedClose { get; init; }

    /// <summary>For a Describe, where the plan of the RowDescription goes.</summary>
    public ResultSlot? DescribeTarget { get; init; }

    /// <summary>A Describe the gateway added (for an Execute of a portal nobody described): its answer is not the client's.</summary>
    public bool Injected { get; init; }

    /// <summary>For a Describe, the statement described (a FETCH or EXECUTE resolved, when it was sent, to what it reads).</summary>
    public StatementInfo? Described { get; init; }

    /// <summary>For a Describe: the described statement's result depends on session state (FETCH, EXECUTE, CALL), so NoData proves nothing.</summary>
    public bool SessionShaped { get; init; }

    /// <summary>For a Query: per statement, what a FETCH or EXECUTE reads, resolved when the Query was sent; null when none does.</summary>
    public IReadOnlyList<StatementInfo?>? Uses { get; init; }

    /// <summary>Which statement of a multi-statement Query the server is answering now.</summary>
    public int Index { get; set; }

    /// <summary>The statement the server is answering now, when known.</summary>
    public StatementInfo? Statement =>
        Analysis is { IsValid: true } analysis && Index < analysis.Statements.Count ? analysis.Statements[Index] : null;

    /// <summary>The statement the server answers now, as masking plans it: a FETCH or EXECUTE is what it read when sent (null: unknown).</summary>
    public StatementInfo? Planned =>
        Statement is { } statement && (statement.CursorAction == NameAction.Use || statement.PreparedAction == NameAction.Use)
            ? (Uses is { } uses && Index < uses.Count ? uses[Index] : null)
            : Statement;

    /// <summary>
    /// A Query's current statement is answered (<paramref name="ran"/>: CommandComplete) or was not run (an error): the
    /// names it changes settle, and the next statement is answered next.
    /// </summary>
    public void Answered(MaskingSession? masking, bool ran)
    {
        if (Statement is { } statement)
        {
            masking?.Completed(statement, ran);
        }

        Index++;
    }

    /// <summary>A Query ends (or is skipped) with statements unanswered: they did not run.</summary>
    public void Abandon(MaskingSession? masking)
    {
        while (Statement is not null)
        {
            Answered(masking, ran: false);
        }
    }

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
