namespace HoopGate.Protocol.Backend;

/// <summary>One field (column) of a <see cref="RowDescription"/>.</summary>
/// <param name="Name">The field name.</param>
/// <param name="TableOid">The OID of the table the field comes from, or 0 when it is not a plain table column.</param>
/// <param name="ColumnAttributeNumber">The column's attribute number in that table, or 0.</param>
/// <param name="TypeOid">The OID of the field's data type.</param>
/// <param name="TypeSize">The data type size (pg_type.typlen); negative for variable-width types.</param>
/// <param name="TypeModifier">The type modifier (pg_attribute.atttypmod), -1 when none.</param>
/// <param name="FormatCode">
/// The format the values will come in. From a statement Describe it is not yet known and is always text.
/// </param>
public readonly record struct FieldDescription(
    string Name,
    uint TableOid,
    short ColumnAttributeNumber,
    uint TypeOid,
    short TypeSize,
    int TypeModifier,
    Framing.FormatCode FormatCode);
