using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using HoopGate.Masking;
using HoopGate.Masking.Catalog;
using HoopGate.Policy;
using HoopGate.Sql;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HoopGate.Tests.Masking;

/// <summary>Mask plans and refusals from a catalog snapshot made by hand (the end-to-end tests read a real one).</summary>
public sealed class MaskingSessionTests
{
    private const uint Patients = 16400;
    private const uint Visits = 16401;
    private const uint Summary = 16402;
    private const uint Text = 25;
    private const uint Int8 = 20;

    private const string Policy = """
        version: 1
        everyone:
          statements: [select, copy]
          read: [clinic.*]
        groups:
          clinicians:
            unmask: [clinic.patients.*]
        masking:
          refusePredicates: true
          columns:
            clinic.patients.ssn: ssn
          classes:
            ssn: { method: partial, keep: 4 }
        """;

    private static readonly CatalogSnapshot s_catalog = new(
        [
            new CatalogRelation(Patients, "clinic", "patients", 'r',
                [new(1, "id", Int8, null), new(2, "ssn", Text, null), new(3, "email", Text, "phi:email"), new(4, "diagnosis", Text, null)], null),
            new CatalogRelation(Visits, "clinic", "visits", 'r', [new(1, "id", Int8, null), new(2, "patient_id", Int8, null), new(3, "notes", Text, "phi:note")], null),
            new CatalogRelation(Summary, "clinic", "summary", 'v', [new(1, "id", Int8, null), new(2, "shout", Text, null), new(3, "diagnosis", Text, null)],
                "SELECT p.id, upper(p.ssn) AS shout, p.diagnosis FROM clinic.patients p"),
        ],
        [("clinic", "leak")],
        DateTimeOffset.UtcNow);

    [Fact]
    public void Columns_are_protected_by_pattern_and_by_comment_tag_and_others_pass()
    {
        ResultPlan plan = Plan(Analyst(), "SELECT id, ssn, email, diagnosis FROM clinic.patients",
            (Patients, 1, Int8), (Patients, 2, Text), (Patients, 3, Text), (Patients, 4, Text));

        Assert.Equal(["clinic.patients.ssn:ssn", "clinic.patients.email:email"], plan.MaskedColumns);
        Assert.Equal(new string?[] { "1", "***-**-6789", "****@b.example", "flu" }, Rewrite(plan, "1", "900-12-6789", "a@b.example", "flu"));
    }

    [Fact]
    public void A_view_column_derived_from_a_protected_one_is_masked_and_its_plain_columns_pass()
    {
        ResultPlan plan = Plan(Analyst(), "SELECT * FROM clinic.summary", (Summary, 1, Int8), (Summary, 2, Text), (Summary, 3, Text));

        Assert.Equal(new string?[] { "1", "[REDACTED]", "flu" }, Rewrite(plan, "1", "900-12-6789", "flu"));
    }

    [Theory]
    [InlineData("SELECT upper(ssn) FROM clinic.patients", true)]
    [InlineData("SELECT p FROM clinic.patients p", true)]
    [InlineData("SELECT x FROM (SELECT ssn AS x FROM clinic.patients) q", true)]
    [InlineData("SELECT ssn FROM clinic.patients UNION SELECT 'a'", true)]
    [InlineData("SELECT clinic.leak()", true)]
    [InlineData("SELECT * FROM clinic.leak()", true)]
    [InlineData("SELECT count(*) FROM clinic.patients", false)]
    [InlineData("SELECT upper(diagnosis), id + 1 FROM clinic.patients", false)]
    [InlineData("SELECT upper(diagnosis), ssn FROM clinic.patients", false)]
    [InlineData("SELECT 1 + 1", false)]
    [InlineData("SELECT t.c || '' FROM clinic.patients AS t(id, c)", true)]
    [InlineData("SELECT c || '' FROM clinic.patients AS t(id, c)", true)]
    [InlineData("SELECT p.ssn || '' FROM clinic.patients p WHERE EXISTS (SELECT 1 FROM clinic.visits p)", true)]
    [InlineData("SELECT j.x || '' FROM (clinic.patients JOIN clinic.visits USING (id)) AS j(a, x)", true)]
    [InlineData("SELECT v.leak FROM clinic.visits v", true)]
    [InlineData("SELECT p.row_to_json FROM clinic.patients p", true)]
    [InlineData("SELECT patients.to_jsonb ->> 'ssn' FROM clinic.patients", true)]
    [InlineData("SELECT p.record_out FROM clinic.patients p", true)]
    [InlineData("SELECT p.ctid FROM clinic.patients p", false)]
    public void An_expression_column_is_masked_unless_it_is_provably_clean(string sql, bool masked)
    {
        // Every result column without a table of origin, as many as the statement's result list has; the first is judged.
        int columns = SqlAnalyzer.Analyze(sql).Statements[0].Lineage.Results?.Count ?? 1;
        ResultPlan plan = Plan(Analyst(), sql, [.. Enumerable.Repeat(((uint)0, (short)0, Text), columns)]);

        Assert.Equal(masked, plan.Masks(0));
    }

    [Fact]
    public void An_identity_with_an_unmask_grant_gets_raw_values_and_the_plan_says_which_were_protected()
    {
        ResultPlan plan = Plan(Clinician(), "SELECT ssn, upper(email) FROM clinic.patients", (Patients, 2, Text), (0, 0, Text));

        Assert.False(plan.HasMasks);
        Assert.Equal(["clinic.patients.ssn", "(expression over clinic.patients.email)"], plan.UnmaskedColumns);
    }

    [Fact]
    public void A_relation_created_after_the_snapshot_is_masked_until_the_catalog_is_read_again()
    {
        ResultPlan plan = Plan(Analyst(), "SELECT id FROM clinic.brand_new", (99999, 1, Int8), (99999, 2, Text));

        Assert.Equal(new string?[] { null, "[REDACTED]" }, Rewrite(plan, "1", "x"));
    }

    [Fact]
    public void A_masked_expression_that_is_null_is_masked_like_a_value_while_a_stored_null_stays_null()
    {
        // nullif(substr(ssn, 1, 1), '0') is NULL exactly when the first digit is 0: its NULLs must not pass as NULL.
        ResultPlan plan = Plan(Analyst(), "SELECT ssn, nullif(substr(ssn, 1, 1), '0') FROM clinic.patients", (Patients, 2, Text), (0, 0, Text));

        Assert.Equal(new string?[] { "***-**-5678", "[REDACTED]" }, Rewrite(plan, "012-34-5678", null));
        Assert.Equal(new string?[] { null, "[REDACTED]" }, Rewrite(plan, null, "1"));
    }

    [Fact]
    public void A_star_expansion_of_a_composite_shifts_nothing_a_clean_column_could_hide_behind()
    {
        // (p).* expands to four columns: the expression after it is not the second entry of the list.
        ResultPlan plan = Plan(Analyst(), "SELECT (p).*, p.ssn || '' FROM clinic.patients p",
            (0, 0, Int8), (0, 0, Text), (0, 0, Text), (0, 0, Text), (0, 0, Text));

        Assert.Equal(5, plan.MaskedColumns.Count);
    }

    [Theory]
    [InlineData("SELECT set_config('x.v', (SELECT string_agg(ssn, ',') FROM clinic.patients), false)", MaskingSession.MaskedSideChannelRule)]
    [InlineData("SELECT pg_notify('c', ssn) FROM clinic.patients", MaskingSession.MaskedSideChannelRule)]
    [InlineData("SELECT set_config('x.y', p.to_jsonb ->> 'ssn', false) FROM clinic.patients p WHERE id = 1", MaskingSession.MaskedSideChannelRule)]
    [InlineData("SELECT pg_sleep(substr(ssn, 1, 2)::int / 100.0) FROM clinic.patients WHERE id = 42", MaskingSession.MaskedSideChannelRule)]
    [InlineData("SELECT id FROM clinic.patients p WHERE p.to_jsonb::text LIKE '%900-12%'", MaskingSession.MaskedPredicateRule)]
    [InlineData("SELECT id FROM clinic.patients p, generate_series(1, CASE WHEN p.ssn LIKE '9%' THEN 1 ELSE 0 END) g", MaskingSession.MaskedPredicateRule)]
    [InlineData("SELECT id FROM clinic.patients LIMIT (SELECT length(max(ssn)) FROM clinic.patients)", MaskingSession.MaskedPredicateRule)]
    [InlineData("COPY clinic.patients TO STDOUT WITH (NULL '900-12-6789')", MaskingSession.MaskedCopyRule)]
    [InlineData("COPY clinic.patients (id, nosuchcolumn) TO STDOUT", MaskingSession.MaskedCopyRule)]
    public void Side_channels_for_masked_values_are_refused(string sql, string rule)
    {
        Assert.Equal(rule, Session(Analyst()).Check(SqlAnalyzer.Analyze(sql), Analyst())?.Rule);
    }

    [Fact]
    public void An_execute_is_planned_with_the_definition_in_force_when_it_was_sent_not_a_later_one_in_the_same_string()
    {
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        SqlAnalysis analysis = SqlAnalyzer.Analyze(
            "PREPARE q AS SELECT ssn || '' AS x FROM clinic.patients; EXECUTE q; DEALLOCATE q; PREPARE q AS SELECT 'a'::text AS x");
        Assert.Null(session.Check(analysis, rules));
        IReadOnlyList<StatementInfo?> uses = session.TakeUses()!;
        Answer(session, analysis);

        // The server answers EXECUTE q with the first definition's rows; the clean one came after.
        Assert.True(session.Plan(uses[1], RowDescription((0, 0, Text))).HasMasks);
        Assert.False(session.Plan(session.Resolve(SqlAnalyzer.Analyze("EXECUTE q").Statements[0]), RowDescription((0, 0, Text))).HasMasks);
    }

    [Fact]
    public void A_fetch_is_planned_with_the_cursor_it_read_not_the_one_declared_after_it()
    {
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        Run(session, rules, "DECLARE c CURSOR WITH HOLD FOR SELECT ssn || '' AS x FROM clinic.patients");
        SqlAnalysis analysis = SqlAnalyzer.Analyze("FETCH ALL FROM c; CLOSE c; DECLARE c CURSOR WITH HOLD FOR SELECT 'a'::text AS x");
        Assert.Null(session.Check(analysis, rules));

        Assert.True(session.Plan(session.TakeUses()![0], RowDescription((0, 0, Text))).HasMasks);
    }

    [Fact]
    public void Name_changes_of_a_string_that_failed_before_them_are_not_believed()
    {
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        Run(session, rules, "PREPARE q AS SELECT ssn || '' AS x FROM clinic.patients");
        SqlAnalysis failing = SqlAnalyzer.Analyze("SELECT 1/0; DEALLOCATE q; PREPARE q AS SELECT 'a'::text AS x");
        Assert.Null(session.Check(failing, rules));

        session.Abandon(failing);

        Assert.Null(session.Resolve(SqlAnalyzer.Analyze("EXECUTE q").Statements[0]));
        Assert.True(session.Plan(session.Resolve(SqlAnalyzer.Analyze("EXECUTE q").Statements[0]), RowDescription((0, 0, Text))).HasMasks);
    }

    [Fact]
    public void Names_are_unknown_while_a_change_is_unanswered_and_take_its_value_once_it_is()
    {
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        StatementInfo execute = SqlAnalyzer.Analyze("EXECUTE q").Statements[0];
        SqlAnalysis prepare = SqlAnalyzer.Analyze("PREPARE q AS SELECT 'x'::text AS x");
        Assert.Null(session.Check(prepare, rules));

        Assert.Null(session.Resolve(execute));
        session.Completed(prepare.Statements[0], ran: true);
        Assert.Same(prepare.Statements[0], session.Resolve(execute));
        Assert.False(session.Plan(session.Resolve(execute), RowDescription((0, 0, Text))).HasMasks);

        Run(session, rules, "DEALLOCATE q");
        Assert.Null(session.Resolve(execute));
    }

    [Fact]
    public void A_protocol_level_name_or_a_declare_sent_in_a_parse_makes_the_sql_name_unknown()
    {
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        Run(session, rules, "PREPARE q AS SELECT 'x'::text AS x");
        Run(session, rules, "DECLARE c CURSOR WITH HOLD FOR SELECT 'y'::text AS y");

        session.ForgetName(portal: false, "q");
        Assert.Null(session.Check(SqlAnalyzer.Analyze("DECLARE d CURSOR FOR SELECT 'z'::text AS z"), rules, answered: false));

        Assert.Null(session.Resolve(SqlAnalyzer.Analyze("EXECUTE q").Statements[0]));
        Assert.Null(session.Resolve(SqlAnalyzer.Analyze("FETCH ALL FROM d").Statements[0]));
        Assert.NotNull(session.Resolve(SqlAnalyzer.Analyze("FETCH ALL FROM c").Statements[0]));
    }

    [Fact]
    public void A_fetch_or_execute_handed_to_the_plan_unresolved_is_masked_whole()
    {
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        Run(session, rules, "DECLARE c CURSOR WITH HOLD FOR SELECT 'y'::text AS y");

        Assert.True(session.Plan(SqlAnalyzer.Analyze("FETCH ALL FROM c").Statements[0], RowDescription((0, 0, Text))).HasMasks);
    }

    [Fact]
    public void Only_explains_own_result_passes_unmasked()
    {
        MaskingSession session = Session(Analyst());
        StatementInfo explain = SqlAnalyzer.Analyze("EXPLAIN SELECT ssn FROM clinic.patients").Statements[0];

        Assert.False(session.Plan(explain, RowDescription(("QUERY PLAN", 0, 0, Text))).HasMasks);
        Assert.True(session.Plan(explain, RowDescription((Patients, 2, Text))).HasMasks);
        Assert.True(session.Plan(explain, RowDescription(("QUERY PLAN", 0, 0, Text), ("x", 0, 0, Text))).HasMasks);
    }

    [Theory]
    [InlineData("SELECT lo_create(replace(ssn, '-', '')::bigint::oid) FROM clinic.patients")]
    [InlineData("SELECT pg_advisory_lock(replace(ssn, '-', '')::bigint) FROM clinic.patients")]
    [InlineData("SELECT pg_try_advisory_lock(id::int, ascii(email)) FROM clinic.patients")]
    [InlineData("SELECT setval('public.some_seq', replace(ssn, '-', '')::bigint) FROM clinic.patients WHERE id = 1")]
    [InlineData("SELECT setseed(ascii(substr(ssn, 1, 1)) / 1000.0) FROM clinic.patients WHERE id = 1")]
    public void Functions_that_keep_a_value_where_a_later_statement_reads_it_back_are_refused(string sql)
    {
        Assert.Equal(MaskingSession.MaskedSideChannelRule, Session(Analyst()).Check(SqlAnalyzer.Analyze(sql), Analyst())?.Rule);
    }

    [Fact]
    public void Errors_raised_while_a_statement_over_masked_columns_runs_keep_no_value_anywhere()
    {
        MaskingSession session = Session(Analyst());
        StatementInfo makeDate = SqlAnalyzer.Analyze("SELECT make_date(2000, 13, replace(ssn, '-', '')::int) FROM clinic.patients WHERE id = 1").Statements[0];
        var dateError = HoopGate.Protocol.Backend.ErrorResponse.Create("ERROR", "22008", "date field value out of range: 2000-13-900126789");
        var loError = HoopGate.Protocol.Backend.ErrorResponse.Create("ERROR", "42704", "large object 900126789 does not exist");
        var jsonError = new HoopGate.Protocol.Backend.ErrorResponse(
        [
            new(HoopGate.Protocol.Errors.ErrorFieldCode.Severity, "ERROR"),
            new(HoopGate.Protocol.Errors.ErrorFieldCode.SqlState, "22P02"),
            new(HoopGate.Protocol.Errors.ErrorFieldCode.Message, "invalid input syntax for type json"),
            new(HoopGate.Protocol.Errors.ErrorFieldCode.Where, "JSON data, line 1: \"alice at b.example"),
        ]);
        var cancelled = HoopGate.Protocol.Backend.ErrorResponse.Create("ERROR", "57014", "canceling statement due to user request");

        Assert.DoesNotContain("900126789", session.Scrub(dateError, makeDate).Message, StringComparison.Ordinal);
        Assert.Contains("SQLSTATE 22008", session.Scrub(dateError, makeDate).Message, StringComparison.Ordinal);
        Assert.DoesNotContain("900126789", session.Scrub(loError, makeDate).Message, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", session.Scrub(jsonError, makeDate)[HoopGate.Protocol.Errors.ErrorFieldCode.Where], StringComparison.Ordinal);
        Assert.Equal("canceling statement due to user request", session.Scrub(cancelled, makeDate).Message);
    }

    [Fact]
    public void An_error_in_the_statements_text_keeps_its_message_with_quoted_parts_hidden()
    {
        MaskingSession session = Session(Analyst());
        var error = new HoopGate.Protocol.Backend.ErrorResponse(
        [
            new(HoopGate.Protocol.Errors.ErrorFieldCode.Severity, "ERROR"),
            new(HoopGate.Protocol.Errors.ErrorFieldCode.SqlState, "42703"),
            new(HoopGate.Protocol.Errors.ErrorFieldCode.Message, "column \"ssnn\" does not exist"),
            new(HoopGate.Protocol.Errors.ErrorFieldCode.Position, "8"),
        ]);

        HoopGate.Protocol.Backend.ErrorResponse scrubbed = session.Scrub(error, SqlAnalyzer.Analyze("SELECT ssnn FROM clinic.patients").Statements[0]);

        Assert.Equal("column \"[REDACTED]\" does not exist", scrubbed.Message);
    }

    private static void Run(MaskingSession session, SessionPolicy rules, string sql)
    {
        SqlAnalysis analysis = SqlAnalyzer.Analyze(sql);
        Assert.Null(session.Check(analysis, rules));
        Answer(session, analysis);
    }

    /// <summary>The server answers every statement of a checked Query with CommandComplete.</summary>
    private static void Answer(MaskingSession session, SqlAnalysis analysis)
    {
        foreach (StatementInfo statement in analysis.Statements)
        {
            session.Completed(statement, ran: true);
        }
    }

    [Fact]
    public void A_scanned_column_keeps_its_text_but_loses_what_the_detectors_find_and_may_still_be_filtered_on()
    {
        SessionPolicy rules = PolicyLoader.Load(Policy + "\n  detectors: [ssn]\n  scan: [clinic.patients.diagnosis]\n", "test.yaml").Snapshot!.ForGroups([]);
        MaskingSession session = Session(rules);

        ResultPlan plan = session.Plan(SqlAnalyzer.Analyze("SELECT id, diagnosis FROM clinic.patients").Statements[0], RowDescription((Patients, 1, Int8), (Patients, 4, Text)));

        Assert.Equal(new string?[] { "1", "flu, see [REDACTED:ssn]" }, Rewrite(plan, "1", "flu, see 900-12-6789"));
        Assert.Null(session.Check(SqlAnalyzer.Analyze("SELECT id FROM clinic.patients WHERE diagnosis = 'flu'"), rules));
    }

    [Fact]
    public void A_partition_is_protected_like_its_parent()
    {
        var catalog = new CatalogSnapshot(
            [.. s_catalog.Relations, new CatalogRelation(16500, "clinic", "patients_2024", 'r', [new(1, "id", Int8, null), new(2, "ssn", Text, null)], null)],
            [],
            DateTimeOffset.UtcNow,
            [(16500u, Patients)]);
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        session.Use(catalog);

        ResultPlan plan = session.Plan(SqlAnalyzer.Analyze("SELECT id, ssn FROM clinic.patients_2024").Statements[0], RowDescription((16500, 1, Int8), (16500, 2, Text)));

        Assert.Equal(["clinic.patients_2024.ssn:ssn"], plan.MaskedColumns);
    }

    [Fact]
    public void A_quoted_value_in_any_error_of_a_statement_over_masked_columns_is_hidden()
    {
        MaskingSession session = Session(Analyst());
        var error = HoopGate.Protocol.Backend.ErrorResponse.Create("ERROR", "42P01", "relation \"900_12_6789\" does not exist");

        HoopGate.Protocol.Backend.ErrorResponse scrubbed = session.Scrub(error, SqlAnalyzer.Analyze("SELECT translate(ssn, '-', '_')::regclass FROM clinic.patients").Statements[0]);

        Assert.DoesNotContain("900_12_6789", scrubbed.Message, StringComparison.Ordinal);
        Assert.Contains("SQLSTATE 42P01", scrubbed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT id FROM clinic.patients WHERE ssn = '900-12-6789'")]
    [InlineData("SELECT id FROM clinic.patients p JOIN clinic.visits v ON v.patient_id = p.id ORDER BY p.email")]
    [InlineData("SELECT count(*) FROM clinic.summary GROUP BY shout")]
    [InlineData("SELECT id FROM clinic.patients WHERE id IN (SELECT id FROM clinic.patients WHERE email LIKE 'a%')")]
    public void Predicates_on_masked_columns_are_refused(string sql)
    {
        PolicyDecision? decision = Session(Analyst()).Check(SqlAnalyzer.Analyze(sql), Analyst());

        Assert.Equal(MaskingSession.MaskedPredicateRule, decision?.Rule);
        Assert.Null(Session(Clinician()).Check(SqlAnalyzer.Analyze(sql), Clinician()));
    }

    [Theory]
    [InlineData("SELECT id FROM (SELECT id, ssn AS s FROM clinic.patients) q WHERE s LIKE '900-1%'")]
    [InlineData("WITH q(i, s) AS (SELECT id, ssn FROM clinic.patients) SELECT i FROM q WHERE substr(s, 1, 1) = '9'")]
    [InlineData("SELECT id FROM (SELECT id, ssn FROM clinic.patients) q WHERE q::text LIKE '%900-12%'")]
    [InlineData("SELECT g, id FROM clinic.patients NATURAL JOIN (SELECT '900-12-6789'::text AS ssn) g")]
    [InlineData("SELECT id, ssn AS s FROM clinic.patients ORDER BY s")]
    [InlineData("SELECT id, ssn FROM clinic.patients ORDER BY 2")]
    [InlineData("SELECT count(*), ssn FROM clinic.patients GROUP BY 2")]
    [InlineData("SELECT DISTINCT ON (2) id, email FROM clinic.patients")]
    [InlineData("SELECT count(*), ssn FROM clinic.patients GROUP BY ROLLUP(2)")]
    [InlineData("SELECT count(*), ssn FROM clinic.patients GROUP BY CUBE(2)")]
    [InlineData("SELECT count(*), id, ssn FROM clinic.patients GROUP BY GROUPING SETS ((3), ())")]
    [InlineData("SELECT count(*), id, ssn FROM clinic.patients GROUP BY ROLLUP(1, (2, 3))")]
    [InlineData("SELECT id FROM (SELECT id, ssn FROM clinic.patients ORDER BY 2 LIMIT 1) q")]
    [InlineData("SELECT 1 FROM (SELECT id, ssn FROM clinic.patients INTERSECT SELECT 42, '900-12-6789') x")]
    [InlineData("SELECT CASE WHEN ssn LIKE '9%' THEN 1/0 ELSE 1 END FROM clinic.patients WHERE id = 5")]
    [InlineData("SELECT CASE ssn WHEN '900-12-6789' THEN 1 END FROM clinic.patients")]
    [InlineData("SELECT count(*) FILTER (WHERE email LIKE 'a%') FROM clinic.patients")]
    public void Predicates_on_masked_values_through_output_names_positions_natural_joins_and_set_comparisons_are_refused(string sql)
    {
        Assert.Equal(MaskingSession.MaskedPredicateRule, Session(Analyst()).Check(SqlAnalyzer.Analyze(sql), Analyst())?.Rule);
    }

    [Fact]
    public void A_column_the_snapshot_does_not_know_is_masked_until_the_catalog_is_read_again()
    {
        ResultPlan plan = Plan(Analyst(), "SELECT ssn2 FROM clinic.patients", (Patients, 5, Text));

        Assert.True(plan.HasMasks);
    }

    [Theory]
    [InlineData("SELECT diagnosis, count(*) FROM clinic.patients GROUP BY 1 ORDER BY 2 DESC")]
    [InlineData("SELECT count(*) AS n, diagnosis AS d FROM clinic.patients GROUP BY d ORDER BY n")]
    [InlineData("SELECT id FROM clinic.patients INTERSECT SELECT patient_id FROM clinic.visits")]
    [InlineData("SELECT id, ssn FROM clinic.patients ORDER BY 1")]
    [InlineData("SELECT CASE WHEN diagnosis = 'flu' THEN ssn END FROM clinic.patients")]
    public void Sorting_grouping_and_comparing_by_unmasked_values_still_runs(string sql)
    {
        Assert.Null(Session(Analyst()).Check(SqlAnalyzer.Analyze(sql), Analyst()));
    }

    [Theory]
    [InlineData("COPY clinic.patients TO STDOUT", false)]
    [InlineData("COPY clinic.patients TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER ';')", false)]
    [InlineData("COPY clinic.patients TO STDOUT WITH (FORMAT binary)", true)]
    [InlineData("COPY clinic.patients TO STDOUT WITH (ENCODING 'LATIN1')", true)]
    [InlineData("COPY (SELECT upper(ssn) FROM clinic.patients) TO STDOUT", true)]
    [InlineData("COPY (SELECT id, diagnosis FROM clinic.patients) TO STDOUT", true)]
    [InlineData("COPY (SELECT id, patient_id FROM clinic.visits) TO STDOUT", true)]
    [InlineData("COPY (SELECT 1 AS x) TO STDOUT", false)]
    [InlineData("COPY clinic.visits (id) TO STDOUT", false)]
    public void Copy_out_of_masked_columns_is_refused_only_when_the_rows_cannot_be_masked(string sql, bool refused)
    {
        PolicyDecision? decision = Session(Analyst()).Check(SqlAnalyzer.Analyze(sql), Analyst());

        Assert.Equal(refused ? MaskingSession.MaskedCopyRule : null, decision?.Rule);
    }

    [Theory]
    [InlineData("COPY clinic.patients (id, ssn, email) TO STDOUT", "7\t900-12-6789\ta\\tb@c.example\n", "7\t***-**-6789\t****@c.example\n")]
    [InlineData("COPY clinic.patients (id, ssn) TO STDOUT", "7\t\\N\n", "7\t\\N\n")]
    [InlineData("COPY clinic.patients (ssn, id) TO STDOUT WITH (FORMAT csv)", "\"900-12-6789\",7\n", "\"***-**-6789\",7\n")]
    [InlineData("COPY clinic.patients (ssn, diagnosis) TO STDOUT WITH (FORMAT csv, DELIMITER ';')", "900-12-6789;\"a;\"\"b\"\"\"\n", "\"***-**-6789\";\"a;\"\"b\"\"\"\n")]
    public void Copy_rows_in_text_and_csv_are_rewritten_field_by_field(string sql, string row, string expected)
    {
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        StatementInfo statement = SqlAnalyzer.Analyze(sql).Statements[0];
        Assert.Null(session.Check(SqlAnalyzer.Analyze(sql), rules));
        CopyPlan plan = session.PlanCopy(statement)!;
        var output = new ArrayBufferWriter<byte>();

        plan.RewriteRow(Encoding.UTF8.GetBytes(row), output, new PseudonymKey(new byte[32]), new ArrayBufferWriter<byte>());

        Assert.Equal((byte)'d', output.WrittenSpan[0]);
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan[5..]));
    }

    [Fact]
    public void Rows_fetched_from_a_cursor_are_planned_with_the_query_that_declared_it()
    {
        SessionPolicy rules = Analyst();
        MaskingSession session = Session(rules);
        Assert.Null(session.Check(SqlAnalyzer.Analyze("DECLARE c CURSOR FOR SELECT upper(ssn) FROM clinic.patients"), rules));

        ResultPlan fetched = session.Plan(SqlAnalyzer.Analyze("FETCH 5 FROM c").Statements[0], RowDescription((0, 0, Text)));
        ResultPlan unknown = session.Plan(SqlAnalyzer.Analyze("FETCH 5 FROM nobody_declared_this").Statements[0], RowDescription((0, 0, Text)));

        Assert.True(fetched.HasMasks);
        Assert.True(unknown.HasMasks);
    }

    [Fact]
    public void Error_details_of_statements_over_masked_columns_are_hidden_and_detectors_scrub_the_rest()
    {
        var policyWithDetectors = PolicyLoader.Load(Policy + "\n  detectors: [ssn]\n", "test.yaml").Snapshot!.ForGroups([]);
        MaskingSession session = Session(policyWithDetectors);
        StatementInfo insert = SqlAnalyzer.Analyze("SELECT ssn FROM clinic.patients").Statements[0];
        var error = HoopGate.Protocol.Backend.ErrorResponse.Create("ERROR", "23505", "duplicate key value violates unique constraint \"patients_ssn_key\"", detail: "Key (ssn)=(900-12-6789) already exists.");
        var notice = HoopGate.Protocol.Backend.ErrorResponse.Create("NOTICE", "00000", "unrelated text mentions 900-12-6789");

        HoopGate.Protocol.Backend.ErrorResponse scrubbed = session.Scrub(error, insert);
        HoopGate.Protocol.Backend.ErrorResponse scrubbedNotice = session.Scrub(notice, SqlAnalyzer.Analyze("SELECT 1").Statements[0]);

        Assert.DoesNotContain("900-12-6789", scrubbed.Detail, StringComparison.Ordinal);
        Assert.Contains("SQLSTATE 23505", scrubbed.Message, StringComparison.Ordinal);
        Assert.Equal("unrelated text mentions [REDACTED:ssn]", scrubbedNotice.Message);
    }

    private static SessionPolicy Analyst() => Snapshot.ForGroups([]);

    private static SessionPolicy Clinician() => Snapshot.ForGroups(["clinicians"]);

    private static PolicySnapshot Snapshot { get; } = PolicyLoader.Load(Policy, "test.yaml").Snapshot!;

    private static MaskingSession Session(SessionPolicy rules)
    {
        var cache = new CatalogCache(_ => throw new InvalidOperationException("no database in unit tests"), Options.Create(new MaskingOptions()), TimeProvider.System, NullLogger<CatalogCache>.Instance);
        var session = new MaskingSession(cache, "clinic", new PseudonymKey(Encoding.UTF8.GetBytes("masking-session-tests-key-0123456789abcdef")));
        session.Use(s_catalog);
        Assert.Null(session.Check(SqlAnalyzer.Analyze("SELECT 1"), rules));
        return session;
    }

    private static ResultPlan Plan(SessionPolicy rules, string sql, params (uint Table, short Attribute, uint Type)[] fields)
    {
        MaskingSession session = Session(rules);
        SqlAnalysis analysis = SqlAnalyzer.Analyze(sql);
        Assert.True(analysis.IsValid, analysis.Error?.Message);
        return session.Plan(analysis.Statements[0], RowDescription(fields));
    }

    private static byte[] RowDescription(params (uint Table, short Attribute, uint Type)[] fields) =>
        RowDescription(fields.Select(f => ("c", f.Table, f.Attribute, f.Type)).ToArray());

    private static byte[] RowDescription(params (string Name, uint Table, short Attribute, uint Type)[] fields)
    {
        var body = new ArrayBufferWriter<byte>();
        Span<byte> count = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(count, (short)fields.Length);
        body.Write(count);
        foreach ((string name, uint table, short attribute, uint type) in fields)
        {
            body.Write(Encoding.UTF8.GetBytes(name + "\0"));
            byte[] field = new byte[18];
            BinaryPrimitives.WriteUInt32BigEndian(field, table);
            BinaryPrimitives.WriteInt16BigEndian(field.AsSpan(4), attribute);
            BinaryPrimitives.WriteUInt32BigEndian(field.AsSpan(6), type);
            BinaryPrimitives.WriteInt16BigEndian(field.AsSpan(10), -1);
            body.Write(field);
        }

        return body.WrittenSpan.ToArray();
    }

    private static List<string?> Rewrite(ResultPlan plan, params string?[] values)
    {
        var row = new ArrayBufferWriter<byte>();
        var message = new HoopGate.Protocol.Backend.DataRow([.. values.Select(v => v is null ? null : Encoding.UTF8.GetBytes(v))]);
        message.WriteTo(row);
        var output = new ArrayBufferWriter<byte>();
        plan.RewriteDataRow(row.WrittenSpan, output, new PseudonymKey(new byte[32]), new ArrayBufferWriter<byte>());
        var rewritten = HoopGate.Protocol.Backend.DataRow.Read(new ReadOnlySequence<byte>(output.WrittenMemory[5..]));
        return [.. rewritten.Columns.Select(c => c is null ? null : Encoding.UTF8.GetString(c))];
    }
}
