namespace HoopGate.Protocol.Errors;

/// <summary>
/// Malformed or unacceptable input that ends the session. Carries the SQLSTATE the client is told
/// in the FATAL ErrorResponse that closes the connection.
/// </summary>
public sealed class PgProtocolException : Exception
{
    /// <summary>Creates the exception with a SQLSTATE and a lower-case message without a trailing period.</summary>
    public PgProtocolException(string sqlState, string message)
        : base(message)
    {
        SqlState = sqlState;
    }

    /// <summary>Creates a protocol violation (08P01).</summary>
    public PgProtocolException(string message)
        : this(Errors.SqlState.ProtocolViolation, message)
    {
    }

    /// <summary>Creates a protocol violation (08P01) with an inner exception.</summary>
    public PgProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        SqlState = Errors.SqlState.ProtocolViolation;
    }

    /// <summary>Creates a protocol violation with a generic message.</summary>
    public PgProtocolException()
        : this("protocol violation")
    {
    }

    /// <summary>The SQLSTATE reported to the client.</summary>
    public string SqlState { get; } = Errors.SqlState.ProtocolViolation;
}
