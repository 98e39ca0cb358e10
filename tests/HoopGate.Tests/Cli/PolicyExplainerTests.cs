using HoopGate.Cli;
using HoopGate.Policy;
using HoopGate.Tests.Policy;

namespace HoopGate.Tests.Cli;

public class PolicyExplainerTests
{
    private static readonly PolicySnapshot s_default =
        PolicyLoader.LoadFile(Path.Combine(PolicyLoaderTests.RepositoryRoot(), "config", "policy.yaml")).Snapshot!;

    private static (int ExitCode, string Output) Explain(string sql, params string[] groups)
    {
        using var output = new StringWriter();
        int code = PolicyExplainer.Explain(s_default, groups, sql, output);
        return (code, output.ToString());
    }

    [Fact]
    public void Explain_shows_the_hidden_delete_and_the_rule_that_refuses_it()
    {
        (int code, string output) = Explain("WITH d AS (DELETE FROM patients WHERE id = 1 RETURNING *) SELECT * FROM d", "analysts");
        Assert.Equal(PolicyExplainer.Refused, code);
        Assert.Contains("kinds:     select, delete", output, StringComparison.Ordinal);
        Assert.Contains("writes:    patients", output, StringComparison.Ordinal);
        Assert.Contains("decision for groups analysts: DENY by rule \"not-granted\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_of_an_allowed_read_exits_zero_and_never_prints_its_constants()
    {
        (int code, string output) = Explain("SELECT name FROM public.patients WHERE ssn = '123-45-6789'", "analysts");
        Assert.Equal(PolicyExplainer.Allowed, code);
        Assert.Contains("ALLOW", output, StringComparison.Ordinal);
        Assert.Contains("normalised:  SELECT name FROM public.patients WHERE ssn = $1", output, StringComparison.Ordinal);
        Assert.DoesNotContain("123-45-6789", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_of_a_review_rule_says_review_and_names_it()
    {
        PolicySnapshot policy = PolicyLoader.Load("""
            version: 1
            everyone: { statements: [ddl], write: ["public.*"] }
            guardrails:
              - { name: destructive-ddl, action: review, reason: needs approval, commands: ["DROP *"] }
            """, "inline").Snapshot!;
        using var output = new StringWriter();

        int code = PolicyExplainer.Explain(policy, [], "DROP TABLE public.old_notes", output);

        Assert.Equal(PolicyExplainer.Refused, code);
        Assert.Contains("statement 1: DROP TABLE", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("decision for no groups: REVIEW by rule \"destructive-ddl\": needs approval", output.ToString(), StringComparison.Ordinal);
    }
}
