using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Tests.Policy;

public class NamePatternTests
{
    [Theory]
    [InlineData("pg_read_file", "pg_read_file", true)]
    [InlineData("pg_read_file", "pg_read_files", false)]
    [InlineData("pg_ls_*dir", "pg_ls_waldir", true)]
    [InlineData("pg_ls_*dir", "pg_ls_dir", true)]
    [InlineData("pg_ls_*dir", "pg_ls_dirx", false)]
    [InlineData("*", "anything", true)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("ab*ba", "aba", false)]
    [InlineData("dblink*", "dblink_exec", true)]
    [InlineData("DROP *", "drop table", false)]
    public void Wildcards_match_any_run_of_characters(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, new NamePattern(pattern).IsMatch(name));
    }

    [Fact]
    public void Commands_match_case_insensitively_when_asked()
    {
        Assert.True(new NamePattern("DROP *", ignoreCase: true).IsMatch("drop table"));
    }

    [Fact]
    public void A_table_pattern_without_schema_means_any_schema()
    {
        var pattern = new TablePattern("patients");
        Assert.True(pattern.IsMatch("clinic", "patients"));
        Assert.True(pattern.MayMatch(new RelationReference(null, "patients", RelationAccess.Read)));
        Assert.False(new TablePattern("clinic.patients").MayMatch(new RelationReference("billing", "patients", RelationAccess.Read)));
        Assert.True(new TablePattern("clinic.patients").MayMatch(new RelationReference(null, "patients", RelationAccess.Read)));
    }
}
