using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Tests.Policy;

public class PolicyLoaderTests
{
    private static PolicyLoadResult Load(string yaml) => PolicyLoader.Load(yaml, "policy.yaml");

    [Fact]
    public void The_shipped_default_policy_loads()
    {
        string path = Path.Combine(RepositoryRoot(), "config", "policy.yaml");
        PolicyLoadResult result = PolicyLoader.LoadFile(path);
        Assert.Empty(result.Errors);
        PolicySnapshot snapshot = result.Snapshot!;
        Assert.Equal(["public"], snapshot.SearchPath);
        Assert.True(snapshot.Groups.ContainsKey("analysts"));
        Assert.Contains(snapshot.Guardrails, g => g.Name == "unbounded-write" && g.Action == PolicyAction.Deny);
    }

    [Fact]
    public void A_complete_policy_compiles_every_part()
    {
        PolicyLoadResult result = Load("""
            version: 1
            searchPath: [clinic, public]
            everyone:
              statements: [select, transaction]
              read: [pg_catalog.*]
            groups:
              clinicians:
                statements: [insert, update]
                read: [clinic.*]
                write: [clinic.notes]
            functions:
              deny: [my_*]
            guardrails:
              - name: patients
                action: review
                reason: patients are sensitive
                tables: [clinic.patients]
                access: write
                groups: [clinicians]
                exceptGroups: [dbas]
            """);
        Assert.Empty(result.Errors);
        PolicySnapshot snapshot = result.Snapshot!;
        Assert.Equal(["clinic", "public"], snapshot.SearchPath);
        Assert.Equal(StatementKind.Select | StatementKind.Transaction, snapshot.Everyone.Kinds);
        Assert.Equal(StatementKind.Insert | StatementKind.Update, snapshot.Groups["clinicians"].Kinds);
        Assert.Equal("clinic.notes", Assert.Single(snapshot.Groups["clinicians"].Write).Text);
        Assert.Equal("my_*", Assert.Single(snapshot.DeniedFunctions).Text);
        Guardrail guardrail = Assert.Single(snapshot.Guardrails);
        Assert.Equal(PolicyAction.Review, guardrail.Action);
        Assert.Equal(RelationAccess.Write, guardrail.TableAccess);
        Assert.Contains("clinicians", guardrail.Groups);
        Assert.Contains("dbas", guardrail.ExceptGroups);
    }

    [Fact]
    public void Errors_name_the_line_and_column_of_the_mistake()
    {
        PolicyLoadResult result = Load("""
            version: 1
            groups:
              analysts:
                statments: [select]
            """);
        Assert.Null(result.Snapshot);
        string error = Assert.Single(result.Errors);
        Assert.StartsWith("policy.yaml:4:5: unknown key 'statments'", error, StringComparison.Ordinal);
        Assert.Contains("statements", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        PolicyLoadResult result = Load("""
            version: 1
            everyone:
              statements: [select, selekt]
            guardrails:
              - name: everything
                action: deny
                reason: no condition
              - name: bad-action
                action: maybe
                reason: x
                kinds: [ddl]
            """);
        Assert.Equal(3, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.StartsWith("policy.yaml:3:24: unknown statement kind 'selekt'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("guardrail 'everything' has no condition", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.StartsWith("policy.yaml:9:13: action must be 'deny' or 'review'", StringComparison.Ordinal));
    }

    [Fact]
    public void Review_settings_of_a_guardrail_are_read_with_defaults_for_what_they_leave_out()
    {
        PolicyLoadResult result = Load("""
            version: 1
            guardrails:
              - name: truncate
                action: review
                reason: r
                commands: [TRUNCATE]
                review: { mode: retry, approvers: [dba-leads, security], approvals: 2, justification: required, timeout: 90s, validity: 2h }
              - name: drop
                action: review
                reason: r
                commands: [DROP *]
            """);
        Assert.Empty(result.Errors);
        ReviewSettings retry = result.Snapshot!.Guardrails[0].Review;
        Assert.Equal(ReviewMode.Retry, retry.Mode);
        Assert.Equal(["dba-leads", "security"], retry.Approvers);
        Assert.Equal(2, retry.Approvals);
        Assert.True(retry.RequireJustification);
        Assert.Equal(TimeSpan.FromSeconds(90), retry.Timeout);
        Assert.Equal(TimeSpan.FromHours(2), retry.Validity);
        ReviewSettings defaults = result.Snapshot.Guardrails[1].Review;
        Assert.Equal(ReviewMode.Wait, defaults.Mode);
        Assert.Empty(defaults.Approvers);
        Assert.Equal(1, defaults.Approvals);
        Assert.False(defaults.RequireJustification);
        Assert.Equal(TimeSpan.FromMinutes(5), defaults.Timeout);
    }

    [Fact]
    public void Bad_review_settings_are_reported_where_they_are()
    {
        PolicyLoadResult result = Load("""
            version: 1
            guardrails:
              - name: truncate
                action: deny
                reason: r
                commands: [TRUNCATE]
                review: { mode: later, approvals: 0, justification: maybe, timeout: 5 minutes, colour: red }
            """);
        Assert.Null(result.Snapshot);
        Assert.Contains(result.Errors, e => e.Contains("has review settings but its action is not 'review'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("review mode must be 'wait' or 'retry', not 'later'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("approvals must be a whole number from 1 to 10", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("justification must be 'required' or 'optional'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("timeout must be a duration such as 90s", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("unknown key 'colour'", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_guardrail_names_are_refused()
    {
        PolicyLoadResult result = Load("""
            version: 1
            guardrails:
              - { name: a, action: deny, reason: x, kinds: [ddl] }
              - { name: a, action: deny, reason: y, kinds: [dcl] }
            """);
        Assert.Contains(result.Errors, e => e.Contains("guardrail name 'a' is used twice", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_or_unknown_version_is_refused()
    {
        Assert.Contains(Load("everyone: {}").Errors, e => e.Contains("'version: 1' is required", StringComparison.Ordinal));
        Assert.Contains(Load("version: 2").Errors, e => e.Contains("unsupported policy version '2'", StringComparison.Ordinal));
    }

    [Fact]
    public void Broken_yaml_is_refused_with_its_position()
    {
        PolicyLoadResult result = Load("version: 1\neveryone: [unclosed\n");
        string error = Assert.Single(result.Errors);
        Assert.StartsWith("policy.yaml:", error, StringComparison.Ordinal);
        Assert.Null(result.Snapshot);
    }

    [Fact]
    public void A_file_that_is_not_a_mapping_is_refused()
    {
        Assert.NotEmpty(Load("- just\n- a list\n").Errors);
        Assert.NotEmpty(Load("").Errors);
    }

    [Fact]
    public void Table_patterns_must_name_a_table()
    {
        PolicyLoadResult result = Load("""
            version: 1
            everyone:
              read: ["clinic."]
            """);
        Assert.Contains(result.Errors, e => e.Contains("'clinic.' is not a table pattern", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_file_is_an_error_not_an_exception()
    {
        PolicyLoadResult result = PolicyLoader.LoadFile("/nonexistent/hoopgate/policy.yaml");
        Assert.Contains("cannot read the policy file", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "HoopGate.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("HoopGate.sln not found above " + AppContext.BaseDirectory);
    }
}
