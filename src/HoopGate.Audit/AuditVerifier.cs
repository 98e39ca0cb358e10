using System.Text;
using Npgsql;

namespace HoopGate.Audit;

/// <summary>
/// Checks the hash chains in the store: every record's hash is SHA-256 of its predecessor's hash and its own text, its
/// <c>prev_hash</c> is its predecessor's hash, its columns say what its text says, and no sequence number is missing.
/// </summary>
public static class AuditVerifier
{
    /// <summary>Verifies the records that occurred in [<paramref name="from"/>, <paramref name="to"/>), of every instance or of one.</summary>
    public static async Task<AuditVerification> VerifyAsync(
        NpgsqlConnection connection,
        DateTimeOffset? from = null,
        DateTimeOffset? to = null,
        Guid? instance = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            """
            SELECT instance_id, seq, occurred_at, kind, session_id, record::text, prev_hash, hash
            FROM hoopgate_audit.records
            WHERE occurred_at >= coalesce($1, '-infinity'::timestamptz) AND occurred_at < coalesce($2, 'infinity'::timestamptz)
              AND ($3::uuid IS NULL OR instance_id = $3)
            ORDER BY instance_id, seq
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)from?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)to?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)instance ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });

        long checkedRecords = 0;
        Guid current = Guid.Empty;
        long previousSequence = 0;
        byte[]? previousHash = null;
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Guid rowInstance = reader.GetGuid(0);
            long sequence = reader.GetInt64(1);
            DateTime occurredAt = reader.GetDateTime(2);
            string kind = reader.GetString(3);
            Guid? session = reader.IsDBNull(4) ? null : reader.GetGuid(4);
            string json = reader.GetString(5);
            byte[] prev = (byte[])reader[6];
            byte[] hash = (byte[])reader[7];
            if (rowInstance != current)
            {
                current = rowInstance;
                previousHash = null;
            }

            string? problem = null;
            if (!SpooledRecord.TryParseJson(json, prev, hash, out SpooledRecord? record))
            {
                problem = "the record's text is not a record";
            }
            else if (!AuditSpool.ChainHash(prev, Encoding.UTF8.GetBytes(json)).AsSpan().SequenceEqual(hash))
            {
                problem = "its hash does not match its text: the record was changed";
            }
            else if (record.Sequence != sequence || record.Kind != kind || record.SessionId != session
                || Math.Abs((record.OccurredAt - occurredAt.ToUniversalTime()).TotalMilliseconds) > 1
                || (record.Instance != Guid.Empty && record.Instance != rowInstance))
            {
                problem = "its columns do not match its text: the row was changed";
            }
            else if (previousHash is not null && sequence != previousSequence + 1)
            {
                problem = "records " + (previousSequence + 1) + " to " + (sequence - 1) + " are missing";
            }
            else if (previousHash is not null && !prev.AsSpan().SequenceEqual(previousHash))
            {
                problem = "its prev_hash is not the hash of record " + previousSequence;
            }

            if (problem is not null)
            {
                return new AuditVerification(false, checkedRecords, rowInstance, sequence, problem);
            }

            checkedRecords++;
            previousSequence = sequence;
            previousHash = hash;
        }

        return new AuditVerification(true, checkedRecords, null, null, null);
    }
}
