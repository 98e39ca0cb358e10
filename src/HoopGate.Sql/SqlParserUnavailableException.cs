namespace HoopGate.Sql;

/// <summary>The native PostgreSQL parser (libpg_query) is not installed; the message names the package to install.</summary>
public sealed class SqlParserUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SqlParserUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SqlParserUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public SqlParserUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
