namespace HoopGate.Masking.Catalog;

/// <summary>A database's catalog could not be read, so results on it cannot be masked: sessions there are refused.</summary>
public sealed class CatalogUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CatalogUnavailableException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CatalogUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CatalogUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The database.</summary>
    public string? Database { get; init; }

    /// <summary>Creates the exception for a database.</summary>
    public static CatalogUnavailableException For(string database, Exception innerException) =>
        new("cannot read the catalog of database \"" + database + "\" to mask results", innerException) { Database = database };
}
