using HoopGate.Sql;

namespace HoopGate.Tests.Sql;

public class SqlAnalyzerTests
{
    private static StatementInfo Single(string sql)
    {
        SqlAnalysis analysis = SqlAnalyzer.Analyze(sql);
        Assert.True(analysis.IsValid, analysis.Error?.Message);
        return Assert.Single(analysis.Statements);
    }

    private static string[] Relations(StatementInfo statement, RelationAccess access) =>
        statement.Relations.Where(r => (r.Access & access) == access).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void A_select_reads_its_tables_including_joins_and_subqueries()
    {
        StatementInfo s = Single("SELECT p.name FROM clinic.patients p JOIN visits v ON v.pid = p.id WHERE p.id IN (SELECT pid FROM audit.flags)");
        Assert.Equal(StatementKind.Select, s.Kind);
        Assert.Equal("SELECT", s.Command);
        Assert.Equal(["audit.flags", "clinic.patients", "visits"], Relations(s, RelationAccess.Read));
        Assert.Empty(Relations(s, RelationAccess.Write));
    }

    [Fact]
    public void A_comment_cannot_hide_a_second_statement_or_a_quote()
    {
        SqlAnalysis analysis = SqlAnalyzer.Analyze("/* ' */ DELETE FROM patients; /* ' */ SELECT 1");
        Assert.Equal([StatementKind.Delete, StatementKind.Select], analysis.Statements.Select(s => s.Kind));
        Assert.Equal(StatementKind.Select, Single("-- DELETE FROM patients\nSELECT 1").Kind);
    }

    [Fact]
    public void Dollar_quoted_and_escape_strings_are_data_not_statements()
    {
        Assert.Empty(Single("SELECT $x$; DELETE FROM patients; $x$").Relations);
        Assert.Empty(Single("SELECT E'\\'; DELETE FROM patients; --'").Relations);
        Assert.Empty(Single("SELECT 'it''s; DELETE FROM patients'").Relations);
    }

    [Fact]
    public void Quoted_identifiers_keep_their_case_and_unquoted_ones_fold()
    {
        StatementInfo s = Single("SELECT * FROM \"Clinic\".\"Patients\", CLINIC.VISITS");
        Assert.Equal(["Clinic.Patients", "clinic.visits"], Relations(s, RelationAccess.Read));
    }

    [Fact]
    public void A_data_modifying_cte_makes_a_select_a_delete_too()
    {
        StatementInfo s = Single("WITH gone AS (DELETE FROM clinic.patients WHERE id = 1 RETURNING *) SELECT * FROM gone");
        Assert.Equal(StatementKind.Select, s.Kind);
        Assert.True(s.Kinds.HasFlag(StatementKind.Delete));
        Assert.Equal(["clinic.patients"], Relations(s, RelationAccess.Write));
        Assert.DoesNotContain(s.Relations, r => r.Name == "gone");
    }

    [Fact]
    public void A_select_wrapping_an_update_without_where_is_an_unbounded_write()
    {
        StatementInfo s = Single("WITH u AS (UPDATE accounts SET balance = 0 RETURNING id) SELECT count(*) FROM u");
        Assert.True(s.Kinds.HasFlag(StatementKind.Update));
        Assert.True(s.HasUnboundedWrite);
    }

    [Fact]
    public void A_cte_name_shadows_a_table_only_inside_its_own_statement()
    {
        StatementInfo s = Single("SELECT * FROM patients, (WITH patients AS (SELECT 1) SELECT * FROM patients) x");
        Assert.Equal(["patients"], Relations(s, RelationAccess.Read));
    }

    [Fact]
    public void A_non_recursive_cte_that_names_itself_reads_the_real_table()
    {
        StatementInfo s = Single("WITH patients AS (SELECT * FROM patients) SELECT * FROM patients");
        Assert.Equal(["patients"], Relations(s, RelationAccess.Read));
        Assert.Empty(Single("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t").Relations);
    }

    [Fact]
    public void Set_operation_arms_keep_their_own_with_clauses()
    {
        StatementInfo s = Single("(WITH x AS (SELECT 1) SELECT * FROM x) UNION SELECT * FROM y");
        Assert.Equal(["y"], Relations(s, RelationAccess.Read));
    }

    [Fact]
    public void Update_and_delete_without_where_are_unbounded_and_with_where_are_not()
    {
        Assert.True(Single("DELETE FROM patients").HasUnboundedWrite);
        Assert.True(Single("UPDATE patients SET name = 'x'").HasUnboundedWrite);
        Assert.True(Single("DELETE FROM patients WHERE true").HasUnboundedWrite);
        Assert.True(Single("DELETE FROM patients WHERE 1 = 1").HasUnboundedWrite);
        Assert.False(Single("DELETE FROM patients WHERE id = 7").HasUnboundedWrite);
        Assert.False(Single("DELETE FROM patients WHERE CURRENT OF c").HasUnboundedWrite);
        Assert.False(Single("SELECT 1").HasUnboundedWrite);
    }

    [Fact]
    public void Write_targets_are_written_and_returning_reads_them()
    {
        StatementInfo insert = Single("INSERT INTO clinic.notes (body) SELECT body FROM staging.notes");
        Assert.Equal(["clinic.notes"], Relations(insert, RelationAccess.Write));
        Assert.Equal(["staging.notes"], Relations(insert, RelationAccess.Read));

        StatementInfo returning = Single("INSERT INTO clinic.notes (body) VALUES ('x') RETURNING *");
        Assert.Equal(RelationAccess.ReadWrite, Assert.Single(returning.Relations).Access);

        StatementInfo update = Single("UPDATE clinic.patients SET name = s.name FROM staging.p s WHERE s.id = patients.id");
        Assert.Equal(["clinic.patients"], Relations(update, RelationAccess.ReadWrite));
        Assert.Equal(["clinic.patients", "staging.p"], Relations(update, RelationAccess.Read));
    }

    [Fact]
    public void Merge_writes_its_target_and_reads_its_source()
    {
        StatementInfo s = Single("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE");
        Assert.Equal(StatementKind.Merge, s.Kind);
        Assert.Equal(["t"], Relations(s, RelationAccess.Write));
        Assert.Equal(["s", "t"], Relations(s, RelationAccess.Read));
    }

    [Theory]
    [InlineData("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", StatementKind.Merge | StatementKind.Delete, false)]
    [InlineData("MERGE INTO t USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE", StatementKind.Merge | StatementKind.Delete, true)]
    [InlineData("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET x = 1 WHEN NOT MATCHED THEN INSERT VALUES (1)", StatementKind.Merge | StatementKind.Update | StatementKind.Insert, false)]
    [InlineData("MERGE INTO t USING s ON true WHEN NOT MATCHED THEN INSERT VALUES (1)", StatementKind.Merge | StatementKind.Insert, false)]
    [InlineData("INSERT INTO t SELECT * FROM t ON CONFLICT (id) DO UPDATE SET notes = 'x'", StatementKind.Insert | StatementKind.Update, false)]
    [InlineData("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", StatementKind.Insert, false)]
    public void Merge_and_upserts_count_as_every_write_their_actions_do(string sql, StatementKind kinds, bool unbounded)
    {
        StatementInfo s = Single(sql);
        Assert.Equal(kinds, s.Kinds);
        Assert.Equal(unbounded, s.HasUnboundedWrite);
    }

    [Theory]
    [InlineData("SELECT setval('clinic.visits_id_seq', 1)")]
    [InlineData("SELECT nextval('clinic.visits_id_seq')")]
    [InlineData("SELECT lo_unlink(oid) FROM pg_largeobject_metadata")]
    [InlineData("SELECT pg_catalog.lo_from_bytea(0, 'x')")]
    [InlineData("SELECT pg_logical_emit_message(true, 'x', 'y')")]
    [InlineData("SELECT brin_summarize_new_values('clinic.visits_brin')")]
    [InlineData("SELECT * FROM clinic.visits FOR UPDATE")]
    [InlineData("SELECT * FROM clinic.visits FOR KEY SHARE NOWAIT")]
    [InlineData("SELECT * FROM (SELECT * FROM clinic.visits FOR SHARE) v")]
    public void A_select_that_writes_through_a_built_in_function_or_locks_rows_needs_the_update_kind(string sql)
    {
        StatementInfo s = Single(sql);
        Assert.Equal(StatementKind.Select, s.Kind);
        Assert.True(s.Kinds.HasFlag(StatementKind.Update));
    }

    [Theory]
    [InlineData("VACUUM FULL", StatementKind.Ddl)]
    [InlineData("ANALYZE", StatementKind.Ddl)]
    [InlineData("VACUUM clinic.visits", StatementKind.Utility)]
    [InlineData("CLUSTER", StatementKind.Ddl)]
    [InlineData("REINDEX SCHEMA clinic", StatementKind.Ddl)]
    [InlineData("REINDEX DATABASE hg", StatementKind.Ddl)]
    [InlineData("REINDEX TABLE clinic.visits", StatementKind.Utility)]
    [InlineData("LOAD 'plpgsql'", StatementKind.Ddl)]
    [InlineData("CHECKPOINT", StatementKind.Ddl)]
    [InlineData("COMMIT PREPARED 'other'", StatementKind.Ddl)]
    [InlineData("ROLLBACK PREPARED 'other'", StatementKind.Ddl)]
    [InlineData("PREPARE TRANSACTION 'mine'", StatementKind.Transaction)]
    public void Server_wide_maintenance_and_other_sessions_transactions_are_ddl_not_utility(string sql, StatementKind kind)
    {
        Assert.Equal(kind, Single(sql).Kind);
    }

    [Theory]
    [InlineData("LOCK clinic.patients IN ACCESS SHARE MODE", false)]
    [InlineData("LOCK clinic.patients", true)]
    [InlineData("LOCK clinic.patients IN ROW EXCLUSIVE MODE", true)]
    public void A_lock_that_blocks_other_sessions_needs_write_access_to_its_tables(string sql, bool writes)
    {
        Assert.Equal(writes, Relations(Single(sql), RelationAccess.Write).Length > 0);
    }

    [Theory]
    [InlineData("EXECUTE p(1)", "p")]
    [InlineData("EXPLAIN ANALYZE EXECUTE hoopgate_approved_17(1)", "hoopgate_approved_17")]
    [InlineData("CREATE TABLE t AS EXECUTE q", "q")]
    [InlineData("EXPLAIN (ANALYZE) CREATE TABLE t AS EXECUTE q", "q")]
    public void Every_prepared_statement_a_statement_executes_is_named_wherever_the_execute_sits(string sql, string name)
    {
        Assert.Equal([name], Single(sql).ExecutedNames);
    }

    [Fact]
    public void Explain_analyze_is_judged_as_the_statement_it_runs()
    {
        StatementInfo s = Single("EXPLAIN ANALYZE DELETE FROM patients");
        Assert.Equal(StatementKind.Delete, s.Kind);
        Assert.True(s.IsExplain);
        Assert.True(s.HasUnboundedWrite);
        Assert.Equal(["patients"], Relations(s, RelationAccess.Write));
    }

    [Fact]
    public void Prepare_is_judged_as_the_statement_it_stores_and_execute_is_a_utility()
    {
        SqlAnalysis analysis = SqlAnalyzer.Analyze("PREPARE p AS DELETE FROM patients WHERE id = $1; EXECUTE p(1)");
        Assert.Equal(2, analysis.Statements.Count);
        Assert.Equal(StatementKind.Delete, analysis.Statements[0].Kind);
        Assert.Equal(StatementKind.Utility, analysis.Statements[1].Kind);
        Assert.Equal("EXECUTE", analysis.Statements[1].Command);
    }

    [Fact]
    public void Do_blocks_are_opaque_and_their_body_is_not_mistaken_for_statements()
    {
        StatementInfo s = Single("DO $$ BEGIN DELETE FROM patients; END $$");
        Assert.Equal(StatementKind.Do, s.Kind);
        Assert.Empty(s.Relations);
    }

    [Theory]
    [InlineData("COPY patients TO STDOUT", false, CopyTarget.Client, RelationAccess.Read)]
    [InlineData("COPY patients FROM STDIN", true, CopyTarget.Client, RelationAccess.Write)]
    [InlineData("COPY patients TO '/tmp/x'", false, CopyTarget.File, RelationAccess.Read)]
    [InlineData("COPY patients FROM '/etc/passwd'", true, CopyTarget.File, RelationAccess.Write)]
    [InlineData("COPY patients TO PROGRAM 'curl evil'", false, CopyTarget.Program, RelationAccess.Read)]
    [InlineData("COPY patients FROM PROGRAM 'id'", true, CopyTarget.Program, RelationAccess.Write)]
    public void Copy_reports_direction_target_and_table(string sql, bool isFrom, CopyTarget target, RelationAccess access)
    {
        StatementInfo s = Single(sql);
        Assert.Equal(StatementKind.Copy, s.Kind);
        Assert.Equal((isFrom, target), (s.Copy!.IsFrom, s.Copy.Target));
        Assert.Equal(new RelationReference(null, "patients", access), Assert.Single(s.Relations));
    }

    [Fact]
    public void Copy_of_a_query_reads_the_query_tables()
    {
        StatementInfo s = Single("COPY (SELECT * FROM clinic.patients) TO STDOUT WITH (FORMAT csv)");
        Assert.Equal(["clinic.patients"], Relations(s, RelationAccess.Read));
    }

    [Theory]
    [InlineData("DROP TABLE clinic.patients, notes", "DROP TABLE")]
    [InlineData("TRUNCATE clinic.patients", "TRUNCATE")]
    [InlineData("ALTER TABLE clinic.patients ADD COLUMN x int", "ALTER TABLE")]
    [InlineData("CREATE TABLE clinic.patients (id int)", "CREATE TABLE")]
    [InlineData("CREATE INDEX ON clinic.patients (id)", "CREATE INDEX")]
    [InlineData("DROP VIEW clinic.patients", "DROP VIEW")]
    public void Ddl_names_its_command_and_writes_its_tables(string sql, string command)
    {
        StatementInfo s = Single(sql);
        Assert.Equal(StatementKind.Ddl, s.Kind);
        Assert.Equal(command, s.Command);
        Assert.Contains("clinic.patients", Relations(s, RelationAccess.Write));
    }

    [Fact]
    public void Select_into_and_create_table_as_create_a_table_from_what_they_read()
    {
        StatementInfo into = Single("SELECT * INTO stolen FROM clinic.patients");
        Assert.Equal(StatementKind.Ddl, into.Kind);
        Assert.Equal(["stolen"], Relations(into, RelationAccess.Write));
        Assert.Equal(["clinic.patients"], Relations(into, RelationAccess.Read));

        StatementInfo ctas = Single("CREATE TABLE stolen AS SELECT * FROM clinic.patients");
        Assert.Equal(["stolen"], Relations(ctas, RelationAccess.Write));
        Assert.Equal(["clinic.patients"], Relations(ctas, RelationAccess.Read));
    }

    [Theory]
    [InlineData("GRANT SELECT ON clinic.patients TO public", StatementKind.Dcl, "GRANT")]
    [InlineData("REVOKE SELECT ON clinic.patients FROM public", StatementKind.Dcl, "REVOKE")]
    [InlineData("CREATE ROLE intruder SUPERUSER", StatementKind.Dcl, "CREATE ROLE")]
    [InlineData("BEGIN", StatementKind.Transaction, "BEGIN")]
    [InlineData("ROLLBACK TO SAVEPOINT a", StatementKind.Transaction, "ROLLBACK TO")]
    [InlineData("SHOW search_path", StatementKind.Show, "SHOW")]
    [InlineData("CALL do_things(1)", StatementKind.Call, "CALL")]
    [InlineData("LISTEN events", StatementKind.Utility, "LISTEN")]
    [InlineData("DISCARD ALL", StatementKind.Utility, "DISCARD")]
    [InlineData("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", StatementKind.Ddl, "CREATE FUNCTION")]
    [InlineData("ALTER SYSTEM SET work_mem = '1GB'", StatementKind.Ddl, "ALTER SYSTEM")]
    public void Statements_are_classified_into_policy_kinds(string sql, StatementKind kind, string command)
    {
        StatementInfo s = Single(sql);
        Assert.Equal(kind, s.Kind);
        Assert.Equal(command, s.Command);
    }

    [Fact]
    public void Functions_are_found_wherever_they_are_called()
    {
        StatementInfo s = Single("SELECT upper(name) FROM ROWS FROM (pg_catalog.pg_ls_dir('.')) d(name) WHERE length(name) > lo_export(1, '/tmp/x')");
        Assert.Equal(
            new[] { "lo_export", "pg_catalog.pg_ls_dir", "length", "upper" }.Order(StringComparer.Ordinal),
            s.Functions.Select(f => f.ToString()).Order(StringComparer.Ordinal));
        Assert.Contains(new FunctionReference(null, "p"), Single("CALL p(1)").Functions);
    }

    [Theory]
    [InlineData("SET ROLE admin", SettingAction.Set, "role", "admin")]
    [InlineData("SET SESSION AUTHORIZATION postgres", SettingAction.Set, "session_authorization", "postgres")]
    [InlineData("RESET ROLE", SettingAction.Reset, "role", null)]
    [InlineData("SET application_name = 'x'", SettingAction.Set, "application_name", "x")]
    [InlineData("SET LOCAL search_path TO a, b", SettingAction.Set, "search_path", "a, b")]
    [InlineData("SET client_encoding = 'LATIN1'", SettingAction.Set, "client_encoding", "latin1")]
    [InlineData("SELECT set_config('ROLE', 'admin', false)", SettingAction.Set, "role", "admin")]
    [InlineData("SELECT pg_catalog.set_config('role'::text, 'admin', true)", SettingAction.Set, "role", "admin")]
    public void Setting_changes_are_reported_with_constant_names_and_values(string sql, SettingAction action, string name, string? value)
    {
        SettingChange change = Assert.Single(Single(sql).Settings);
        Assert.Equal(action, change.Action);
        Assert.Equal(name, change.Name);
        Assert.Equal(value, change.Value);
    }

    [Fact]
    public void Reset_all_and_computed_set_config_names_are_reported_as_unknown_names()
    {
        Assert.Equal(SettingAction.ResetAll, Assert.Single(Single("RESET ALL").Settings).Action);
        SettingChange computed = Assert.Single(Single("SELECT set_config('ro' || 'le', 'admin', false)").Settings);
        Assert.Null(computed.Name);
        Assert.True(computed.ViaFunction);
    }

    [Fact]
    public void A_multi_statement_string_is_split_into_its_statements()
    {
        SqlAnalysis analysis = SqlAnalyzer.Analyze("SELECT 1; INSERT INTO t VALUES (1);SELECT 2");
        Assert.Equal([StatementKind.Select, StatementKind.Insert, StatementKind.Select], analysis.Statements.Select(s => s.Kind));
        Assert.Equal(StatementKind.Select | StatementKind.Insert, analysis.Kinds);
    }

    [Fact]
    public void An_empty_string_has_no_statements()
    {
        Assert.Empty(SqlAnalyzer.Analyze("").Statements);
        Assert.Empty(SqlAnalyzer.Analyze(" ; -- nothing").Statements);
        Assert.True(SqlAnalyzer.Analyze(";").IsValid);
    }

    [Fact]
    public void Unparsable_sql_is_a_42601_error_with_the_parser_position()
    {
        SqlAnalysis analysis = SqlAnalyzer.Analyze("SELECT * FORM patients");
        Assert.False(analysis.IsValid);
        Assert.Equal("42601", analysis.Error!.SqlState);
        Assert.Contains("syntax error", analysis.Error.Message, StringComparison.Ordinal);
        Assert.Equal(10, analysis.Error.Position);
        Assert.Empty(analysis.Statements);
    }

    [Fact]
    public void Invalid_utf8_is_refused_rather_than_guessed()
    {
        SqlAnalysis analysis = SqlAnalyzer.Analyze([(byte)'S', (byte)'E', (byte)'L', 0xC3, 0x28]);
        Assert.Equal("22021", analysis.Error!.SqlState);
    }

    [Theory]
    [InlineData("(SELECT ", ")", 4000)]
    [InlineData("ARRAY[", "]", 4000)]
    [InlineData("(SELECT ", ")", 50000)]
    [InlineData("1+", "", 10000)]
    [InlineData("1+", "", 300000)]
    public void Deeply_nested_sql_is_refused_without_crashing_the_gateway(string open, string close, int depth)
    {
        // Native recursion in libpg_query has no depth check: SELECT 1+1+…+1 with 10,000 terms once crashed the process.
        string deep = "SELECT " + string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
        SqlAnalysis analysis = RunOnSmallStack(() => SqlAnalyzer.Analyze(deep));
        Assert.False(analysis.IsValid);
        Assert.Contains(analysis.Error!.SqlState, new[] { "54001", "42601" });
    }

    // Sessions run on thread-pool threads, whose stacks are smaller than the main thread's.
    private static T RunOnSmallStack<T>(Func<T> work)
    {
        T result = default!;
        var thread = new Thread(() => result = work(), 1024 * 1024);
        thread.Start();
        thread.Join();
        return result;
    }

    [Fact]
    public void A_string_longer_than_the_analyser_takes_is_refused_with_54001()
    {
        SqlAnalysis analysis = SqlAnalyzer.Analyze("SELECT '" + new string('x', SqlAnalyzer.MaxLength) + "'");
        Assert.Equal("54001", analysis.Error!.SqlState);
    }

    [Fact]
    public void Fingerprint_and_normalised_text_ignore_constants()
    {
        SqlAnalysis a = SqlAnalyzer.Analyze("SELECT * FROM patients WHERE ssn = '123-45-6789'");
        SqlAnalysis b = SqlAnalyzer.Analyze("select *  from patients where ssn = '987-65-4321'");
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.Equal("SELECT * FROM patients WHERE ssn = $1", a.NormalizedText);
        Assert.DoesNotContain("123-45", a.NormalizedText, StringComparison.Ordinal);
    }
}
