using HoopGate.Policy;

namespace HoopGate.Tests.Policy;

public sealed class MaskingPolicyTests
{
    private const string Header = """
        version: 1
        everyone: { statements: [select], read: [clinic.*] }

        """;

    [Fact]
    public void Columns_by_pattern_and_by_comment_tag_get_their_class_and_the_rest_are_not_protected()
    {
        MaskingPolicy masking = Load("""
            groups:
              clinicians: { unmask: [clinic.patients.*] }
            masking:
              columns: { "clinic.*.ssn": ssn }
              classes: { ssn: { method: partial, keep: 2 }, note: { method: redact, placeholder: "(hidden)" } }
            """).Masking;

        Assert.Equal(new MaskRule("ssn", MaskMethod.Partial, 2), masking.Classify("clinic", "patients", "ssn", null));
        Assert.Equal("(hidden)", masking.Classify("clinic", "visits", "notes", "phi:note -- free text")!.Placeholder);
        Assert.Equal("default", masking.Classify("clinic", "visits", "notes", "PHI:whatever")!.Class);
        Assert.Null(masking.Classify("clinic", "patients", "diagnosis", "diagnosis code"));
        Assert.Equal(MaskingPolicy.StatisticsClass, masking.Classify("pg_catalog", "pg_stats", "most_common_vals", null)!.Class);
    }

    [Fact]
    public void Unmask_grants_are_per_group_and_by_column_pattern()
    {
        PolicySnapshot snapshot = PolicyLoader.Load(Header + """
            groups:
              clinicians: { unmask: [clinic.patients.*] }
            """, "p.yaml").Snapshot!;

        Assert.True(snapshot.ForGroups(["clinicians"]).CanUnmask("clinic", "patients", "ssn"));
        Assert.False(snapshot.ForGroups(["clinicians"]).CanUnmask("clinic", "billing", "card_number"));
        Assert.False(snapshot.ForGroups(["analysts"]).CanUnmask("clinic", "patients", "ssn"));
    }

    [Theory]
    [InlineData("masking: { columns: { clinic.patients: ssn } }", "not a column pattern")]
    [InlineData("masking: { columns: { clinic.patients.ssn: nosuchclass } }", "unknown masking class 'nosuchclass'")]
    [InlineData("masking: { classes: { ssn: { method: scramble } } }", "unknown masking method 'scramble'")]
    [InlineData("masking: { classes: { notes: detect } }", "needs 'masking.detectors'")]
    [InlineData("masking: { detectors: [ssn, passport] }", "unknown detector 'passport'")]
    [InlineData("masking: { detectors: [{ name: badge, pattern: '([' }] }", "invalid pattern")]
    [InlineData("masking: { refusePredicates: maybe }", "must be true or false")]
    [InlineData("masking: { unmask: [x] }", "unknown key 'unmask'")]
    [InlineData("groups: { a: { unmask: [clinic.patients] } }", "not a column pattern")]
    public void Mistakes_in_the_masking_section_are_errors_with_their_position(string yaml, string expected)
    {
        PolicyLoadResult result = PolicyLoader.Load(Header + yaml, "p.yaml");

        Assert.Null(result.Snapshot);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal) && e.StartsWith("p.yaml:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_default_policy_masks_the_sample_clinic_columns_and_refuses_predicates_on_them()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "config", "policy.yaml");
        MaskingPolicy masking = PolicyLoader.LoadFile(path).Snapshot!.Masking;

        Assert.True(masking.RefusePredicates);
        foreach (string column in new[] { "ssn", "dob", "email", "phone", "mrn", "full_name", "address" })
        {
            Assert.NotNull(masking.Classify("clinic", "patients", column, null));
        }

        Assert.NotNull(masking.Classify("clinic", "billing", "card_number", null));
        Assert.NotNull(masking.Classify("clinic", "visits", "notes", null));
        Assert.Null(masking.Classify("clinic", "patients", "diagnosis", null));
    }

    private static PolicySnapshot Load(string yaml)
    {
        PolicyLoadResult result = PolicyLoader.Load(Header + yaml, "p.yaml");
        Assert.Empty(result.Errors);
        return result.Snapshot!;
    }
}
