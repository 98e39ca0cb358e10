namespace HoopGate.Audit;

/// <summary>A monthly partition that retention dropped (or would drop).</summary>
/// <param name="Name">The partition table (<c>records_2019_03</c>).</param>
/// <param name="End">The first instant after its month (UTC).</param>
/// <param name="Records">How many records it held.</param>
public sealed record PrunedPartition(string Name, DateTime End, long Records);
