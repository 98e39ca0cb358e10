namespace HoopGate.Sql;

/// <summary>
/// What PostgreSQL's parser makes of one SQL string: its statements, or the error that stops it. Immutable and
/// shared: one analysis per distinct string, cached by <see cref="SqlAnalysisCache"/>.
/// </summary>
public sealed class SqlAnalysis
{
    internal SqlAnalysis(string sql, IReadOnlyList<StatementInfo> statements, SqlSyntaxError? error, string? fingerprint, string? normalizedText)
    {
        Sql = sql;
        Statements = statements;
        Error = error;
        Fingerprint = fingerprint;
        NormalizedText = normalizedText;
    }

    /// <summary>The SQL string as sent.</summary>
    public string Sql { get; }

    /// <summary>The statements in order; empty for an empty string or on error.</summary>
    public IReadOnlyList<StatementInfo> Statements { get; }

    /// <summary>Why the string could not be analysed; <see langword="null"/> when it was.</summary>
    public SqlSyntaxError? Error { get; }

    /// <summary>True when the parser accepted the string.</summary>
    public bool IsValid => Error is null;

    /// <summary>libpg_query's fingerprint (16 hex digits): equal for statements that differ only in constants and formatting.</summary>
    public string? Fingerprint { get; }

    /// <summary>The string with constants replaced by <c>$1</c>, <c>$2</c>…: safe to log, the way to group statements.</summary>
    public string? NormalizedText { get; }

    /// <summary>Every kind in the string (union over statements).</summary>
    public StatementKind Kinds
    {
        get
        {
            StatementKind kinds = StatementKind.None;
            foreach (StatementInfo statement in Statements)
            {
                kinds |= statement.Kinds;
            }

            return kinds;
        }
    }
}
