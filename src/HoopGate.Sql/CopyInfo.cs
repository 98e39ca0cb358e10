namespace HoopGate.Sql;

/// <summary>The shape of a COPY statement.</summary>
/// <param name="IsFrom">COPY … FROM (data into a table) rather than COPY … TO.</param>
/// <param name="Target">Where the data goes or comes from.</param>
public sealed record CopyInfo(bool IsFrom, CopyTarget Target)
{
    /// <summary>The column list (<c>COPY t (a, b)</c>), or null for all columns.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>
    /// The options, by lower-case name (<c>format</c>, <c>delimiter</c>, <c>null</c>, <c>header</c>, <c>quote</c>,
    /// <c>escape</c>, <c>force_quote</c>, <c>encoding</c>…), each as text: a flag without a value is <c>true</c>, a star
    /// <c>*</c>, a column list its names joined by commas.
    /// </summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}
