using System.Globalization;
using System.Text;
using Npgsql;

namespace HoopGate.Audit;

/// <summary>
/// A period of the trail for an auditor: sessions, statements (with their decisions) and logins, then the result of
/// verifying the period's hash chains — as JSON lines (one object per record, <c>"type"</c> says which) or as CSV of
/// the statements, headed by the verification line.
/// </summary>
public static class AuditExporter
{
    private static readonly string[] s_statementColumns =
    [
        "started_at", "finished_at", "subject", "database", "session_id", "statement", "protocol", "sql", "kinds",
        "tables_read", "tables_written", "decision", "rule", "reason", "outcome", "rows", "sqlstate", "duration_ms",
    ];

    /// <summary>Writes the period [<paramref name="from"/>, <paramref name="to"/>); returns how many rows were written.</summary>
    public static async Task<long> ExportAsync(
        NpgsqlConnection connection, DateTimeOffset from, DateTimeOffset to, bool csv, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(output);
        AuditVerification verification = await AuditVerifier.VerifyAsync(connection, from, to, cancellationToken: cancellationToken);
        string verified = verification.Intact
            ? "intact, " + verification.Records.ToString(CultureInfo.InvariantCulture) + " records verified"
            : "BROKEN at instance " + verification.Instance + " record " + verification.Sequence?.ToString(CultureInfo.InvariantCulture) + ": " + verification.Problem;
        long rows = 0;
        if (csv)
        {
            await output.WriteLineAsync("# hoopgate audit export " + Iso(from) + " to " + Iso(to) + "; chain verification: " + verified);
            await output.WriteLineAsync(string.Join(',', s_statementColumns));
            await using var command = new NpgsqlCommand(
                "SELECT " + string.Join(", ", s_statementColumns.Select(c => c + "::text")) +
                " FROM hoopgate_audit.statements WHERE started_at >= $1 AND started_at < $2 ORDER BY started_at, session_id, statement",
                connection);
            command.Parameters.AddWithValue(from.UtcDateTime);
            command.Parameters.AddWithValue(to.UtcDateTime);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            var line = new StringBuilder();
            while (await reader.ReadAsync(cancellationToken))
            {
                line.Clear();
                for (int i = 0; i < s_statementColumns.Length; i++)
                {
                    if (i > 0)
                    {
                        line.Append(',');
                    }

                    line.Append(reader.IsDBNull(i) ? "" : Csv(reader.GetString(i)));
                }

                await output.WriteLineAsync(line.ToString());
                rows++;
            }

            return rows;
        }

        foreach ((string type, string view, string time) in new[] { ("session", "sessions", "started_at"), ("statement", "statements", "started_at"), ("login", "auth_events", "occurred_at") })
        {
            await using var command = new NpgsqlCommand(
                "SELECT json_build_object('type', '" + type + "') :: jsonb || to_jsonb(v) FROM hoopgate_audit." + view +
                " v WHERE " + time + " >= $1 AND " + time + " < $2 ORDER BY " + time,
                connection);
            command.Parameters.AddWithValue(from.UtcDateTime);
            command.Parameters.AddWithValue(to.UtcDateTime);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                await output.WriteLineAsync(reader.GetString(0));
                rows++;
            }
        }

        await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["type"] = "verification",
            ["from"] = Iso(from),
            ["to"] = Iso(to),
            ["intact"] = verification.Intact,
            ["records"] = verification.Records,
            ["broken_instance"] = verification.Instance,
            ["broken_sequence"] = verification.Sequence,
            ["problem"] = verification.Problem,
        }));
        return rows;
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Csv(string value)
    {
        // A cell a spreadsheet would run as a formula (the SQL text is the client's) is written as text.
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
