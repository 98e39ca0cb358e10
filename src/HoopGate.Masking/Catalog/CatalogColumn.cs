namespace HoopGate.Masking.Catalog;

/// <summary>A column of a relation, as pg_attribute has it, with its comment (for <c>phi:</c> tags).</summary>
/// <param name="Number">attnum.</param>
/// <param name="Name">attname.</param>
/// <param name="TypeOid">atttypid.</param>
/// <param name="Comment">The column's comment, or null.</param>
/// <param name="Generated">A generated column (COPY TO leaves it out unless it is listed).</param>
public sealed record CatalogColumn(short Number, string Name, uint TypeOid, string? Comment, bool Generated = false);
