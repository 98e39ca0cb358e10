using System.Globalization;
using System.Text;
using HoopGate.Approvals;
using HoopGate.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HoopGate.Admin;

/// <summary>
/// What auditors and admins read in the console, from the audit store's documented views:
/// <code>
/// GET /console/activity?subject&amp;table&amp;decision&amp;from&amp;to    statements by who, which table, decision and day (UTC),
///                                                         and the sessions of that window and subject
/// GET /console/statements/{session}/{n}                   one statement: SQL, parameters' hashes, outcome, masking, approval trail
/// GET /console/report?from&amp;to                             PHI access report: unmasked protected columns by person, blocked
///                                                         attempts, statements per day by decision (SVG), the chains' verification
/// GET /console/report.csv?from&amp;to                         the same report's tables as CSV
/// </code>
/// Filters are names and dates; no statement text ever goes into a URL.
/// </summary>
internal static class ConsoleReports
{
    private const int MaxRows = 200;
    private static readonly string[] Decisions = ["allow", "deny", "review"];

    public static void Map(WebApplication app, IServiceProvider gateway, Func<HttpContext, ConsoleUser?> who, ConsoleAudit audit)
    {
        AuditStore store = gateway.GetRequiredService<AuditStore>();
        ReviewStore reviews = gateway.GetRequiredService<ReviewStore>();

        app.MapGet("/console/activity", async (HttpContext context) =>
        {
            if (Reader(context, who(context)) is { } refusal)
            {
                return refusal;
            }

            IQueryCollection query = context.Request.Query;
            (DateTime from, DateTime to) = Period(query, defaultDays: 1);
            string? subject = Filter(query["subject"]);
            string? table = Filter(query["table"]);
            string? decision = Decisions.Contains(query["decision"].ToString(), StringComparer.Ordinal) ? query["decision"].ToString() : null;

            var html = new ConsoleHtml();
            html.Raw("<form method=\"get\" action=\"/console/activity\" class=\"filters\">")
                .Raw(Input("subject", "Subject", subject)).Raw(Input("table", "Table (schema.name)", table))
                .Raw("<label>Decision <select name=\"decision\"><option value=\"\">any</option>");
            foreach (string d in Decisions)
            {
                html.Raw("<option" + (d == decision ? " selected" : "") + ">" + d + "</option>");
            }

            html.Raw("</select></label>").Raw(DateInputs(from, to)).Raw("<button type=\"submit\">Search</button></form>");

            await using NpgsqlConnection connection = await store.OpenAsync(context.RequestAborted);
            await using var command = new NpgsqlCommand(
                """
                SELECT session_id, statement, started_at, subject, database, decision, rule, outcome, rows, masked_columns, left(sql, 240)
                FROM hoopgate_audit.statements
                WHERE started_at >= $1 AND started_at < $2
                  AND ($3::text IS NULL OR subject = $3)
                  AND ($4::text IS NULL OR $4 = ANY(tables_read) OR $4 = ANY(tables_written))
                  AND ($5::text IS NULL OR decision = $5)
                ORDER BY started_at DESC LIMIT 200
                """,
                connection);
            command.Parameters.AddWithValue(from);
            command.Parameters.AddWithValue(to);
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)subject ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)table ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)decision ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            html.Raw("<table class=\"activity\"><thead><tr><th>Started (UTC)</th><th>Subject</th><th>Database</th><th>Decision</th><th>Outcome</th><th>Rows</th><th>Masked</th><th>SQL</th></tr></thead><tbody>");
            int count = 0;
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(context.RequestAborted))
            {
                while (await reader.ReadAsync(context.RequestAborted))
                {
                    count++;
                    string link = "/console/statements/" + reader.GetGuid(0).ToString("D") + "/" + reader.GetInt64(1).ToString(CultureInfo.InvariantCulture);
                    html.Raw("<tr>").Raw("<td><a href=\"" + link + "\">" + Time(reader.GetDateTime(2)) + "</a></td>")
                        .Element("td", Text(reader, 3)).Element("td", Text(reader, 4))
                        .Element("td", Text(reader, 5) + (reader.IsDBNull(6) ? "" : " (" + reader.GetString(6) + ")"))
                        .Element("td", Text(reader, 7)).Element("td", reader.IsDBNull(8) ? "" : reader.GetInt64(8).ToString(CultureInfo.InvariantCulture))
                        .Element("td", reader.IsDBNull(9) ? "" : string.Join(", ", reader.GetFieldValue<string[]>(9)))
                        .Element("td", Text(reader, 10), "sql").Raw("</tr>");
                }
            }

            html.Raw("</tbody></table>").Element("p", count == MaxRows ? "The newest " + MaxRows + " statements; narrow the search for older ones." : count + " statement(s).");

            // The sessions of the same window (and subject): who connected from where, with what, and how it ended.
            html.Element("h2", "Sessions");
            await using var sessions = new NpgsqlCommand(
                """
                SELECT ses.started_at, ses.subject, ses.groups, ses.database, ses.client_address, ses.application, ses.client_tls,
                       ses.ended_at, ses.end_reason
                FROM hoopgate_audit.sessions ses
                WHERE ses.started_at >= $1 AND ses.started_at < $2 AND ($3::text IS NULL OR ses.subject = $3)
                ORDER BY ses.started_at DESC LIMIT 200
                """,
                connection);
            sessions.Parameters.AddWithValue(from);
            sessions.Parameters.AddWithValue(to);
            sessions.Parameters.Add(new NpgsqlParameter { Value = (object?)subject ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            html.Raw("<table class=\"sessions\"><thead><tr><th>Started (UTC)</th><th>Subject</th><th>Groups</th><th>Database</th><th>Client</th><th>Ended</th></tr></thead><tbody>");
            await using (NpgsqlDataReader reader = await sessions.ExecuteReaderAsync(context.RequestAborted))
            {
                while (await reader.ReadAsync(context.RequestAborted))
                {
                    html.Raw("<tr>").Element("td", Time(reader.GetDateTime(0))).Element("td", Text(reader, 1)).Element("td", Join(reader, 2)).Element("td", Text(reader, 3))
                        .Element("td", Text(reader, 4) + (reader.IsDBNull(5) ? "" : " · " + reader.GetString(5)) + (!reader.IsDBNull(6) && reader.GetBoolean(6) ? " · TLS" : ""))
                        .Element("td", reader.IsDBNull(7) ? "open (or not shipped yet)" : Time(reader.GetDateTime(7)) + " · " + Text(reader, 8)).Raw("</tr>");
                }
            }

            html.Raw("</tbody></table>");
            audit.Record(context, who(context)!, "view_activity", "subject=" + subject + " table=" + table + " decision=" + decision + " " + PeriodText(from, to) + ": " + count + " statement(s)");
            return ConsolePages.Page(html.Page("Activity", who(context), ConsolePages.AntiforgeryToken(context)));
        });

        app.MapGet("/console/statements/{session:guid}/{number:long}", async (Guid session, long number, HttpContext context) =>
        {
            if (Reader(context, who(context)) is { } refusal)
            {
                return refusal;
            }

            await using NpgsqlConnection connection = await store.OpenAsync(context.RequestAborted);
            await using var command = new NpgsqlCommand(
                """
                SELECT s.started_at, s.finished_at, s.subject, ses.groups, ses.client_address, ses.application, s.database, s.protocol, s.sql,
                       s.kinds, s.tables_read, s.tables_written, s.decision, s.rule, s.reason, s.parameters::text, s.outcome, s.rows,
                       s.sqlstate, s.message, s.duration_ms, s.masked_columns, s.unmasked_columns, s.approval
                FROM hoopgate_audit.statements s LEFT JOIN hoopgate_audit.sessions ses ON ses.session_id = s.session_id
                WHERE s.session_id = $1 AND s.statement = $2
                """,
                connection);
            command.Parameters.AddWithValue(session);
            command.Parameters.AddWithValue(number);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(context.RequestAborted);
            if (!await reader.ReadAsync(context.RequestAborted))
            {
                return ConsolePages.Problem(context, who(context), 404, "There is no such statement in the audit trail.");
            }

            var html = new ConsoleHtml();
            html.Raw("<dl>")
                .Element("dt", "Started").Element("dd", Time(reader.GetDateTime(0)) + (reader.IsDBNull(1) ? " (no finish record)" : ", finished " + Time(reader.GetDateTime(1))))
                .Element("dt", "Who").Element("dd", Text(reader, 2) + (reader.IsDBNull(3) ? "" : " · groups: " + string.Join(", ", reader.GetFieldValue<string[]>(3))))
                .Element("dt", "From").Element("dd", Text(reader, 4) + (reader.IsDBNull(5) ? "" : " · " + reader.GetString(5)))
                .Element("dt", "Database").Element("dd", Text(reader, 6) + " · " + Text(reader, 7) + " protocol")
                .Element("dt", "Kind").Element("dd", Text(reader, 9))
                .Element("dt", "Tables read").Element("dd", Join(reader, 10)).Element("dt", "Tables written").Element("dd", Join(reader, 11))
                .Element("dt", "Decision").Element("dd", Text(reader, 12) + (reader.IsDBNull(13) ? "" : " by rule " + reader.GetString(13)) + (reader.IsDBNull(14) ? "" : ": " + reader.GetString(14)))
                .Element("dt", "Outcome").Element("dd", Text(reader, 16) + (reader.IsDBNull(17) ? "" : ", " + reader.GetInt64(17).ToString(CultureInfo.InvariantCulture) + " row(s)")
                    + (reader.IsDBNull(18) ? "" : ", SQLSTATE " + reader.GetString(18) + " " + Text(reader, 19))
                    + (reader.IsDBNull(20) ? "" : ", " + reader.GetDouble(20).ToString("0.###", CultureInfo.InvariantCulture) + " ms"))
                .Element("dt", "Masked columns").Element("dd", Join(reader, 21))
                .Element("dt", "Protected columns returned unmasked").Element("dd", Join(reader, 22))
                .Element("dt", "Parameters (keyed hashes unless configured raw)").Element("dd", reader.IsDBNull(15) ? "none" : reader.GetString(15))
                .Raw("</dl>").Element("pre", Text(reader, 8), "sql");
            long? approval = reader.IsDBNull(23) ? null : reader.GetInt64(23);
            await reader.DisposeAsync();
            if (approval is { } id && await reviews.GetAsync(id, context.RequestAborted) is { } request)
            {
                html.Element("h2", "Approval " + id + " (" + ReviewStore.Name(request.Status) + ")").Raw("<table><thead><tr><th>When</th><th>What</th><th>Who</th><th>Comment</th></tr></thead><tbody>");
                foreach (ReviewEvent e in await reviews.EventsAsync(id, context.RequestAborted))
                {
                    html.Raw("<tr>").Element("td", Time(e.At.UtcDateTime)).Element("td", e.Event).Element("td", e.Actor).Element("td", e.Comment).Raw("</tr>");
                }

                html.Raw("</tbody></table>");
            }

            audit.Record(context, who(context)!, "view_statement", "session " + session.ToString("D") + " statement " + number.ToString(CultureInfo.InvariantCulture));
            return ConsolePages.Page(html.Page("Statement " + number, who(context), ConsolePages.AntiforgeryToken(context)));
        });

        app.MapGet("/console/report", async (HttpContext context) =>
        {
            if (Reader(context, who(context)) is { } refusal)
            {
                return refusal;
            }

            (DateTime from, DateTime to) = Period(context.Request.Query, defaultDays: 30);
            Report report = await Report.ReadAsync(store, from, to, context.RequestAborted);
            string period = "from=" + from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "&to=" + to.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var html = new ConsoleHtml();
            html.Raw("<form method=\"get\" action=\"/console/report\" class=\"filters\">").Raw(DateInputs(from, to)).Raw("<button type=\"submit\">Show</button></form>")
                .Raw("<p><a id=\"csv\" href=\"/console/report.csv?" + period + "\">Download as CSV</a></p>");
            html.Element("h2", "Hash-chain verification").Element("p", report.Verification.Intact
                ? "Intact: " + report.Verification.Records + " record(s) of the period check out."
                : "BROKEN at instance " + report.Verification.Instance + " record " + report.Verification.Sequence + ": " + report.Verification.Problem,
                report.Verification.Intact ? "notice" : "problem");
            html.Element("h2", "Statements per day by decision").Raw(Chart(report.Daily, from, to));
            html.Element("h2", "Protected columns returned unmasked");
            Table(html, ["Subject", "Column", "Statements", "Rows", "Last (UTC)"], report.Unmasked.Select(r => new[] { r.Subject, r.What, r.Statements, r.Rows, r.Last }));
            html.Element("h2", "Blocked attempts (denied by policy)");
            Table(html, ["Subject", "Rule", "Statements", "Rows", "Last (UTC)"], report.Blocked.Select(r => new[] { r.Subject, r.What, r.Statements, r.Rows, r.Last }));
            audit.Record(context, who(context)!, "view_report", PeriodText(from, to));
            return ConsolePages.Page(html.Page("PHI access report", who(context), ConsolePages.AntiforgeryToken(context)));
        });

        app.MapGet("/console/report.csv", async (HttpContext context) =>
        {
            if (Reader(context, who(context)) is { } refusal)
            {
                return refusal;
            }

            (DateTime from, DateTime to) = Period(context.Request.Query, defaultDays: 30);
            Report report = await Report.ReadAsync(store, from, to, context.RequestAborted);
            var csv = new StringBuilder("section,subject,column_or_rule,statements,rows,last_utc\r\n");
            foreach ((string section, IReadOnlyList<Report.Row> rows) in new[] { ("unmasked_phi", report.Unmasked), ("blocked", report.Blocked) })
            {
                foreach (Report.Row row in rows)
                {
                    csv.AppendJoin(',', new[] { section, row.Subject, row.What, row.Statements, row.Rows, row.Last }.Select(Csv)).Append("\r\n");
                }
            }

            csv.Append(Csv("chain_verification")).Append(',').Append(Csv(report.Verification.Intact ? "intact" : "broken")).Append(",,")
                .Append(report.Verification.Records.ToString(CultureInfo.InvariantCulture)).Append(",,\r\n");
            string name = "hoopgate-phi-report-" + from.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-" + to.AddDays(-1).ToString("yyyyMMdd", CultureInfo.InvariantCulture) + ".csv";
            audit.Record(context, who(context)!, "download_report", PeriodText(from, to));
            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", name);
        });
    }

    /// <summary>Auditors and admins read activity and reports; approvers decide in the inbox.</summary>
    private static IResult? Reader(HttpContext context, ConsoleUser? user) =>
        ConsolePages.Gate(context, user) ?? (user!.IsAuditor || user.IsAdmin ? null
            : ConsolePages.Problem(context, user, 403, "Activity and reports are for auditors and admins."));

    /// <summary>[from, to) in UTC days from <c>from</c> and <c>to</c> (inclusive dates, yyyy-MM-dd); the last days by default.</summary>
    private static (DateTime From, DateTime To) Period(IQueryCollection query, int defaultDays)
    {
        DateTime today = DateTime.UtcNow.Date;
        DateTime to = DateTime.TryParseExact(query["to"], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime t)
            ? t.AddDays(1) : today.AddDays(1);
        DateTime from = DateTime.TryParseExact(query["from"], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime f)
            ? f : to.AddDays(-defaultDays);
        if (from >= to || (to - from).TotalDays > 400)
        {
            from = to.AddDays(-defaultDays);
        }

        return (DateTime.SpecifyKind(from, DateTimeKind.Utc), DateTime.SpecifyKind(to, DateTimeKind.Utc));
    }

    private static string PeriodText(DateTime from, DateTime to) =>
        from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".." + to.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string? Filter(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim()[..Math.Min(value.Trim().Length, 200)];

    private static string Input(string name, string label, string? value) =>
        "<label>" + label + " <input type=\"text\" name=\"" + name + "\" value=\"" + ConsoleHtml.Encode(value) + "\"></label>";

    private static string DateInputs(DateTime from, DateTime to) =>
        "<label>From <input type=\"date\" name=\"from\" value=\"" + from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "\"></label>"
        + "<label>To <input type=\"date\" name=\"to\" value=\"" + to.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "\"></label>";

    private static string Time(DateTime at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? "" : reader.GetValue(ordinal).ToString() ?? "";

    private static string Join(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) || reader.GetFieldValue<string[]>(ordinal) is not { Length: > 0 } values ? "none" : string.Join(", ", values);

    private static void Table(ConsoleHtml html, string[] headings, IEnumerable<string[]> rows)
    {
        html.Raw("<table><thead><tr>");
        foreach (string heading in headings)
        {
            html.Element("th", heading);
        }

        html.Raw("</tr></thead><tbody>");
        int count = 0;
        foreach (string[] row in rows)
        {
            count++;
            html.Raw("<tr>");
            foreach (string cell in row)
            {
                html.Element("td", cell);
            }

            html.Raw("</tr>");
        }

        html.Raw("</tbody></table>");
        if (count == 0)
        {
            html.Element("p", "None in this period.");
        }
    }

    /// <summary>A CSV field: quoted, quotes doubled, and a leading formula character defused for spreadsheets.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Statements per day as stacked bars (allow, review, deny), drawn server-side: no script, no external library.</summary>
    private static string Chart(IReadOnlyDictionary<(DateTime Day, string Decision), long> daily, DateTime from, DateTime to)
    {
        const int Width = 760, Height = 220, Left = 48, Bottom = 24, Top = 10;
        int days = Math.Max(1, (int)(to - from).TotalDays);
        long max = Math.Max(1, Enumerable.Range(0, days).Select(i => daily.Where(e => e.Key.Day == from.AddDays(i)).Sum(e => e.Value)).DefaultIfEmpty(0).Max());
        double slot = (Width - Left - 8) / (double)days;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" aria-label=\"Statements per day by decision\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - 4}\" y2=\"{Height - Bottom}\" stroke=\"#5a6477\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Top + 10}\" font-size=\"11\" fill=\"#5a6477\">{max}</text><text x=\"4\" y=\"{Height - Bottom}\" font-size=\"11\" fill=\"#5a6477\">0</text>");
        (string Decision, string Colour)[] series = [("allow", "#3a7bd5"), ("review", "#d59b3a"), ("deny", "#c23b3b")];
        for (int i = 0; i < days; i++)
        {
            DateTime day = from.AddDays(i);
            double y = Height - Bottom;
            foreach ((string decision, string colour) in series)
            {
                long value = daily.TryGetValue((day, decision), out long v) ? v : 0;
                if (value == 0)
                {
                    continue;
                }

                double h = (Height - Bottom - Top) * value / (double)max;
                y -= h;
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left + (i * slot) + 1:0.#}\" y=\"{y:0.#}\" width=\"{Math.Max(1, slot - 2):0.#}\" height=\"{h:0.#}\" fill=\"{colour}\"><title>{day:yyyy-MM-dd} {decision}: {value}</title></rect>");
            }

            if (days <= 14 || i % (days / 7) == 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + (i * slot):0.#}\" y=\"{Height - 8}\" font-size=\"10\" fill=\"#5a6477\">{day:MM-dd}</text>");
            }
        }

        int legend = Width - 230;
        foreach ((string decision, string colour) in series)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{legend}\" y=\"{Top}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{legend + 14}\" y=\"{Top + 9}\" font-size=\"11\" fill=\"#1d2330\">{decision}</text>");
            legend += 70;
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>The PHI access report's figures for [from, to).</summary>
    private sealed record Report(
        IReadOnlyList<Report.Row> Unmasked, IReadOnlyList<Report.Row> Blocked, IReadOnlyDictionary<(DateTime, string), long> Daily, AuditVerification Verification)
    {
        public sealed record Row(string Subject, string What, string Statements, string Rows, string Last);

        public static async Task<Report> ReadAsync(AuditStore store, DateTime from, DateTime to, CancellationToken cancellationToken)
        {
            await using NpgsqlConnection connection = await store.OpenAsync(cancellationToken);
            // Straight from the records of the period (one pass each, sessions joined by id) rather than through the
            // statements view, whose per-statement pairing of start and finish records is slow over a large store.
            List<Row> unmasked = await RowsAsync(connection,
                """
                SELECT coalesce(s.d ->> 'subject', ''), c.column_name, count(*), coalesce(sum((f.d ->> 'rows')::bigint), 0), max(f.occurred_at)
                FROM (SELECT session_id, occurred_at, record::jsonb -> 'data' AS d FROM hoopgate_audit.records
                      WHERE kind = 'statement_finish' AND occurred_at >= $1 AND occurred_at < $2) f
                CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(f.d -> 'unmasked_columns', '[]'::jsonb)) AS c(column_name)
                LEFT JOIN (SELECT session_id, record::jsonb -> 'data' AS d FROM hoopgate_audit.records WHERE kind = 'session_start') s
                       ON s.session_id = f.session_id
                GROUP BY 1, 2 ORDER BY 1, 2
                """, from, to, cancellationToken);
            List<Row> blocked = await RowsAsync(connection,
                """
                SELECT coalesce(s.d ->> 'subject', ''), coalesce(st.d ->> 'rule', ''), count(*), 0::bigint, max(st.occurred_at)
                FROM (SELECT session_id, occurred_at, record::jsonb -> 'data' AS d FROM hoopgate_audit.records
                      WHERE kind = 'statement_start' AND occurred_at >= $1 AND occurred_at < $2) st
                LEFT JOIN (SELECT session_id, record::jsonb -> 'data' AS d FROM hoopgate_audit.records WHERE kind = 'session_start') s
                       ON s.session_id = st.session_id
                WHERE st.d ->> 'decision' = 'deny'
                GROUP BY 1, 2 ORDER BY 1, 2
                """, from, to, cancellationToken);
            var daily = new Dictionary<(DateTime, string), long>();
            await using (var command = new NpgsqlCommand(
                "SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC'), (record::jsonb -> 'data') ->> 'decision', count(*) FROM hoopgate_audit.records "
                + "WHERE kind = 'statement_start' AND occurred_at >= $1 AND occurred_at < $2 GROUP BY 1, 2", connection))
            {
                command.Parameters.AddWithValue(from);
                command.Parameters.AddWithValue(to);
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    daily[(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc), reader.IsDBNull(1) ? "" : reader.GetString(1))] = reader.GetInt64(2);
                }
            }

            AuditVerification verification = await AuditVerifier.VerifyAsync(connection, from, to, cancellationToken: cancellationToken);
            return new Report(unmasked, blocked, daily, verification);
        }

        private static async Task<List<Row>> RowsAsync(NpgsqlConnection connection, string sql, DateTime from, DateTime to, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue(from);
            command.Parameters.AddWithValue(to);
            var rows = new List<Row>();
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetInt64(2).ToString(CultureInfo.InvariantCulture),
                    reader.GetInt64(3).ToString(CultureInfo.InvariantCulture), Time(reader.GetDateTime(4))));
            }

            return rows;
        }
    }
}
