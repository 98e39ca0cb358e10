namespace HoopGate.Sql;

/// <summary>The shape of a COPY statement.</summary>
/// <param name="IsFrom">COPY … FROM (data into a table) rather than COPY … TO.</param>
/// <param name="Target">Where the data goes or comes from.</param>
public sealed record CopyInfo(bool IsFrom, CopyTarget Target);
