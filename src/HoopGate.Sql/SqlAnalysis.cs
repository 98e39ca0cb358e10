namespace HoopGate.Sql;

/// <summary>
/// What PostgreSQL's parser makes of one SQL string: its statements, or the error that stops it. Immutable and
/// shared: strings that differ only in their constants share one analysis (see <see cref="SqlAnalysisCache"/>), so an
/// analysis holds nothing that depends on a constant's value — except settings, whose analyses are never shared.
/// </summary>
public sealed class SqlAnalysis
{
    internal SqlAnalysis(IReadOnlyList<StatementInfo> statements, SqlSyntaxError? error, string? fingerprint, string? normalizedText)
    {
        Statements = statements;
        Error = error;
        Fingerprint = fingerprint;
        NormalizedText = normalizedText;
    }

    /// <summary>The statements in order; empty for an empty string or on error.</summary>
    public IReadOnlyList<StatementInfo> Statements { get; }

    /// <summary>Why the string could not be analysed; <see langword="null"/> when it was.</summary>
    public SqlSyntaxError? Error { get; }

    /// <summary>True when the parser accepted the string.</summary>
    public bool IsValid => Error is null;

    /// <summary>
    /// True when the analysis depends on the value of a constant — a setting and its value (<c>SET client_encoding =
    /// 'SJIS'</c>, <c>set_config('role', …)</c>), or an ORDER BY, GROUP BY or DISTINCT ON item that is a constant or a
    /// parameter (<c>DISTINCT ON (2)</c> names a result column, <c>DISTINCT ON ($1)</c> does not, and libpg_query's
    /// normalisation turns the first into the second) — so that it may only be shared by strings that are exactly the same.
    /// </summary>
    public bool DependsOnConstants
    {
        get
        {
            foreach (StatementInfo statement in Statements)
            {
                if (statement.Settings.Count > 0 || statement.Lineage.KeysByConstant || statement.Lineage.PredicatePositions.Count > 0 || statement.Lineage.NestedPredicatePositions)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private int _outlivesDiscard = -1;

    /// <summary>
    /// True when the string may leave state in the server session that <c>DISCARD ALL</c> does not clear: an anonymous
    /// block (<c>DO</c>: a procedural language's session globals, such as PL/Perl's <c>%_SHARED</c>), a <c>LOAD</c>ed
    /// library, a dblink connection, the random seed, or a backup in progress.
    /// </summary>
    public bool OutlivesDiscard
    {
        get
        {
            if (_outlivesDiscard < 0)
            {
                _outlivesDiscard = Statements.Any(s => s.Command is "DO" or "LOAD" || s.Functions.Any(f => IsLingering(f.Name))) ? 1 : 0;
            }

            return _outlivesDiscard == 1;
        }
    }

    private static bool IsLingering(string function) =>
        function.StartsWith("dblink", StringComparison.OrdinalIgnoreCase)
        || function.Equals("setseed", StringComparison.OrdinalIgnoreCase)
        || function.StartsWith("pg_backup_start", StringComparison.OrdinalIgnoreCase)
        || function.StartsWith("pg_start_backup", StringComparison.OrdinalIgnoreCase);

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
