using System.Globalization;
using Npgsql;

namespace HoopGate.Audit;

/// <summary>
/// Retention: whole monthly partitions of <c>hoopgate_audit.records</c> whose every record is older than the cutoff are
/// dropped — cheap, and never a DELETE that could take a record of a month still kept. Every dropped partition is
/// reported with its record count; nothing goes silently.
/// </summary>
public static class AuditRetention
{
    /// <summary>Drops (or, with <paramref name="dryRun"/>, lists) the partitions that end on or before <paramref name="cutoff"/>.</summary>
    public static async Task<IReadOnlyList<PrunedPartition>> PruneAsync(
        NpgsqlConnection connection, DateTimeOffset cutoff, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var candidates = new List<(string Name, DateTime End)>();
        await using (var list = new NpgsqlCommand(
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'hoopgate_audit.records'::regclass ORDER BY c.relname
            """,
            connection))
        await using (NpgsqlDataReader reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                string name = reader.GetString(0);
                // records_YYYY_MM, as ensure_partition names them; anything else is not ours to drop.
                if (name.Length == "records_2026_11".Length && name.StartsWith("records_", StringComparison.Ordinal)
                    && DateTime.TryParseExact(name["records_".Length..], "yyyy_MM", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime start))
                {
                    candidates.Add((name, start.AddMonths(1)));
                }
            }
        }

        var pruned = new List<PrunedPartition>();
        foreach ((string name, DateTime end) in candidates)
        {
            if (end > cutoff.UtcDateTime)
            {
                continue;
            }

            await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM hoopgate_audit." + Quote(name), connection, transaction);
            long records = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            if (!dryRun)
            {
                await using var drop = new NpgsqlCommand("DROP TABLE hoopgate_audit." + Quote(name), connection, transaction);
                await drop.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            pruned.Add(new PrunedPartition(name, end, records));
        }

        return pruned;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
