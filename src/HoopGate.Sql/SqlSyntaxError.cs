namespace HoopGate.Sql;

/// <summary>Why a SQL string could not be analysed.</summary>
/// <param name="SqlState">42601 for a syntax error; 54001 when the statement is too deeply nested to analyse.</param>
/// <param name="Message">PostgreSQL's own message (for example <c>syntax error at or near "FORM"</c>).</param>
/// <param name="Position">1-based character position of the error in the string, or 0 when unknown.</param>
public sealed record SqlSyntaxError(string SqlState, string Message, int Position);
