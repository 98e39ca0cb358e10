namespace HoopGate.Masking;

/// <summary>The built-in type OIDs masking knows how to keep valid (pg_type.dat; stable across PostgreSQL versions).</summary>
internal static class TypeOids
{
    public const uint Name = 19;
    public const uint Int8 = 20;
    public const uint Int2 = 21;
    public const uint Int4 = 23;
    public const uint Text = 25;
    public const uint Json = 114;
    public const uint Unknown = 705;
    public const uint Bpchar = 1042;
    public const uint Varchar = 1043;
    public const uint Date = 1082;
    public const uint Timestamp = 1114;
    public const uint Timestamptz = 1184;
    public const uint Uuid = 2950;
    public const uint Jsonb = 3802;

    /// <summary>Types whose text and binary forms are both the UTF-8 characters.</summary>
    public static bool IsTextLike(uint oid) => oid is Text or Varchar or Bpchar or Name or Unknown;
}
