namespace HoopGate.Sql;

/// <summary>SQL analysis settings, bound from <c>HoopGate:Sql</c>.</summary>
public sealed class SqlOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Sql";

    /// <summary>
    /// How many distinct SQL strings keep their analysis. Default 8,192: an application's statement set fits many times
    /// over, and at a few KiB per entry the cache stays in the tens of MiB.
    /// </summary>
    public int CacheEntries { get; set; } = 8192;

    /// <summary>
    /// Strings longer than this many bytes are analysed every time rather than cached (default 16 KiB): a bulk INSERT
    /// with its values inline is rarely sent twice, and must not push the application's statements out.
    /// </summary>
    public int MaxCachedLength { get; set; } = 16 * 1024;
}
