namespace HoopGate.Sql;

/// <summary>
/// One entry of a statement's result list (SELECT's target list, RETURNING), as written: a star, or an expression and
/// every column it mentions (subqueries in it included).
/// </summary>
/// <param name="Star">For <c>*</c> or <c>p.*</c>, the star; otherwise <see langword="null"/>.</param>
/// <param name="References">Columns the expression mentions, anywhere inside it.</param>
/// <param name="Functions">Functions the expression calls.</param>
/// <param name="HasSubquery">The expression holds a subquery.</param>
public sealed record ResultColumnSource(ColumnName? Star, IReadOnlyList<ColumnName> References, IReadOnlyList<FunctionReference> Functions, bool HasSubquery)
{
    /// <summary>The expression is a plain column reference (<c>ssn</c>, <c>p.ssn</c>).</summary>
    public bool IsPlainColumn => Star is null && !HasSubquery && Functions.Count == 0 && References.Count == 1 && IsBare;

    /// <summary>The output name the statement gives it (<c>AS name</c>), if any.</summary>
    public string? Name { get; init; }

    /// <summary>Set by the reader when the expression is exactly one ColumnRef.</summary>
    internal bool IsBare { get; init; }
}
