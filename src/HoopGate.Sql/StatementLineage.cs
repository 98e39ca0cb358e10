namespace HoopGate.Sql;

/// <summary>
/// Where a statement's result values come from, as far as the SQL says: what masking needs to decide, for a result
/// column without a table of origin (an expression), whether it can carry a protected value; and which columns the
/// statement filters, groups or sorts by.
/// </summary>
public sealed class StatementLineage
{
    internal StatementLineage(
        IReadOnlyList<ResultColumnSource>? results,
        IReadOnlyList<ColumnName> references,
        IReadOnlyList<ColumnName> predicateReferences,
        IReadOnlyDictionary<string, IReadOnlyList<RelationReference>> aliases,
        IReadOnlyDictionary<string, IReadOnlyList<string>> aliasColumns,
        IReadOnlySet<string> derivedNames,
        bool plainSources,
        string? cursorName,
        string? preparedName)
    {
        Results = results;
        References = references;
        PredicateReferences = predicateReferences;
        Aliases = aliases;
        AliasColumns = aliasColumns;
        DerivedNames = derivedNames;
        PlainSources = plainSources;
        CursorName = cursorName;
        PreparedName = preparedName;
    }

    /// <summary>No lineage: the statement returns no rows of its own.</summary>
    public static StatementLineage None { get; } = new(
        null, [], [], new Dictionary<string, IReadOnlyList<RelationReference>>(), new Dictionary<string, IReadOnlyList<string>>(), new HashSet<string>(), true, null, null);

    /// <summary>
    /// The result list, entry by entry, or <see langword="null"/> when it cannot be mapped to result columns (set
    /// operations, VALUES, statements that return no rows).
    /// </summary>
    public IReadOnlyList<ResultColumnSource>? Results { get; }

    /// <summary>Every column reference anywhere in the statement, whole-row references and stars included.</summary>
    public IReadOnlyList<ColumnName> References { get; }

    /// <summary>Column references in WHERE, JOIN … ON/USING, GROUP BY, HAVING, ORDER BY, DISTINCT ON and window clauses, at any depth.</summary>
    public IReadOnlyList<ColumnName> PredicateReferences { get; }

    /// <summary>
    /// Table names and aliases in the statement, to every relation each stands for anywhere in it (the same alias may name
    /// different tables at different query levels: each is kept).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RelationReference>> Aliases { get; }

    /// <summary>Column alias lists of table aliases (<c>FROM patients AS t(a, b, c)</c> renames the first columns, in order).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AliasColumns { get; }

    /// <summary>
    /// Names that stand for derived values rather than table columns: CTE names and their column names, subquery and
    /// function aliases, and output names given in nested result lists. A reference to one of these is not a table column.
    /// </summary>
    public IReadOnlySet<string> DerivedNames { get; }

    /// <summary>The top-level FROM holds only tables and views (joined or not), no subqueries, functions or CTEs.</summary>
    public bool PlainSources { get; }

    /// <summary>The cursor a DECLARE defines or a FETCH/MOVE reads.</summary>
    public string? CursorName { get; }

    /// <summary>The SQL-level prepared statement a PREPARE defines or an EXECUTE runs.</summary>
    public string? PreparedName { get; }

    /// <summary>Result positions the statement's own ORDER BY, GROUP BY or DISTINCT ON names (<c>ORDER BY 2</c>), 1-based.</summary>
    public IReadOnlyList<int> PredicatePositions { get; internal init; } = [];

    /// <summary>A nested query sorts, groups or picks distinct rows by position: which of its columns cannot be told here.</summary>
    public bool NestedPredicatePositions { get; internal init; }

    /// <summary>
    /// Some ORDER BY, GROUP BY or DISTINCT ON item, here or nested, is a constant or a parameter: whether it names a result
    /// column depends on its value, so this analysis holds only for this exact text.
    /// </summary>
    public bool KeysByConstant { get; internal init; }
}
