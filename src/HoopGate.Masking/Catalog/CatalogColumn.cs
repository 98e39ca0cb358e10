namespace HoopGate.Masking.Catalog;

/// <summary>A column of a relation, as pg_attribute has it, with its comment (for <c>phi:</c> tags).</summary>
public sealed record CatalogColumn(short Number, string Name, uint TypeOid, string? Comment);
