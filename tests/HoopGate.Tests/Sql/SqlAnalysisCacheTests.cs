using HoopGate.Sql;
using Microsoft.Extensions.Options;

namespace HoopGate.Tests.Sql;

public class SqlAnalysisCacheTests
{
    private static SqlAnalysisCache NewCache(int entries = 1024) => new(Options.Create(new SqlOptions { CacheEntries = entries }));

    [Fact]
    public void The_same_string_is_analysed_once()
    {
        SqlAnalysisCache cache = NewCache();
        SqlAnalysis first = cache.GetOrAnalyze("SELECT abalance FROM pgbench_accounts WHERE aid = $1");
        SqlAnalysis second = cache.GetOrAnalyze("SELECT abalance FROM pgbench_accounts WHERE aid = $1");
        Assert.Same(first, second);
        Assert.Equal(1, cache.Misses);
        Assert.Equal(1, cache.Hits);
    }

    [Fact]
    public void Strings_that_differ_only_in_constants_share_the_analysis_of_their_shape()
    {
        SqlAnalysisCache cache = NewCache();
        SqlAnalysis first = cache.GetOrAnalyze("SELECT abalance FROM pgbench_accounts WHERE aid = 81234");
        SqlAnalysis second = cache.GetOrAnalyze("SELECT abalance FROM pgbench_accounts WHERE aid = 7");
        Assert.Same(first, second);
        Assert.Equal(1, cache.Misses);
        Assert.Equal(1, cache.ShapeHits);
    }

    [Theory]
    [InlineData("SET client_encoding = 'UTF8'", "SET client_encoding = 'SJIS'", "sjis")]
    [InlineData("SELECT set_config('work_mem', '1MB', false)", "SELECT set_config('role', 'postgres', false)", "role")]
    [InlineData("SET standard_conforming_strings = on", "SET standard_conforming_strings = off", "off")]
    public void Settings_are_never_shared_between_strings_with_other_constants(string harmless, string harmful, string expected)
    {
        SqlAnalysisCache cache = NewCache();
        cache.GetOrAnalyze(harmless);
        SettingChange change = Assert.Single(Assert.Single(cache.GetOrAnalyze(harmful).Statements).Settings);
        Assert.True(change.Name == expected || change.Value == expected, "the second string got the first one's analysis");
        Assert.Equal(2, cache.Misses);
    }

    [Theory]
    [InlineData("SELECT DISTINCT ON (1) name, ssn FROM patients", "SELECT DISTINCT ON (2) name, ssn FROM patients")]
    [InlineData("SELECT * FROM (SELECT DISTINCT ON (1) name, ssn FROM patients) p", "SELECT * FROM (SELECT DISTINCT ON (2) name, ssn FROM patients) p")]
    public void A_result_column_named_by_position_is_never_shared_with_another_position(string first, string second)
    {
        SqlAnalysisCache cache = NewCache();
        SqlAnalysis byName = cache.GetOrAnalyze(first);
        SqlAnalysis bySsn = cache.GetOrAnalyze(second);
        Assert.NotSame(byName, bySsn);
        Assert.Equal(2, cache.Misses);
        StatementLineage lineage = Assert.Single(bySsn.Statements).Lineage;
        Assert.True(lineage.NestedPredicatePositions || lineage.PredicatePositions.SequenceEqual([2]), "the second string got the first one's positions");
    }

    [Fact]
    public void A_comment_that_hides_a_quote_does_not_share_the_analysis_of_a_harmless_string()
    {
        SqlAnalysisCache cache = NewCache();
        SqlAnalysis harmless = cache.GetOrAnalyze("/* 'x' */ SELECT 1");
        SqlAnalysis harmful = cache.GetOrAnalyze("/* ' */ DELETE FROM patients; /* ' */ SELECT 1");
        Assert.NotSame(harmless, harmful);
        Assert.Contains(harmful.Statements, s => s.Kind == StatementKind.Delete);
    }

    [Fact]
    public void Unparsable_strings_are_cached_by_exact_text_with_their_own_error_position()
    {
        SqlAnalysisCache cache = NewCache();
        Assert.Equal(10, cache.GetOrAnalyze("SELECT * FORM a").Error!.Position);
        Assert.Equal(11, cache.GetOrAnalyze("SELECT  * FORM a").Error!.Position);
    }

    [Fact]
    public void The_cache_stays_bounded_and_keeps_what_is_used()
    {
        SqlAnalysisCache cache = NewCache(entries: 16);
        SqlAnalysis hot = cache.GetOrAnalyze("SELECT 'hot' FROM hot_table");
        for (int i = 0; i < 200; i++)
        {
            cache.GetOrAnalyze("SELECT " + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + " FROM t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Same(hot, cache.GetOrAnalyze("SELECT 'hot' FROM hot_table"));
        }

        Assert.Equal(201, cache.Misses);
    }
}
