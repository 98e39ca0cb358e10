using HoopGate.Sql;
using Microsoft.Extensions.Options;

namespace HoopGate.Tests.Sql;

public class SqlAnalysisCacheTests
{
    private static SqlAnalysisCache NewCache(int entries = 1024) => new(Options.Create(new SqlOptions { CacheEntries = entries }));

    [Theory]
    [InlineData("SELECT abalance FROM pgbench_accounts WHERE aid = $1", "SELECT abalance FROM pgbench_accounts WHERE aid = $1", nameof(SqlAnalysisCache.Hits))]
    [InlineData("SELECT id FROM patients WHERE name = 'alice' AND ward = 3", "SELECT id FROM patients WHERE name = 'bob' AND ward = 4", nameof(SqlAnalysisCache.ShapeHits))]
    public void The_same_string_or_one_that_differs_only_in_constants_is_analysed_once(string first, string second, string counter)
    {
        SqlAnalysisCache cache = NewCache();
        Assert.Same(cache.GetOrAnalyze(first), cache.GetOrAnalyze(second));
        Assert.Equal(1, cache.Misses);
        Assert.Equal(1, counter == nameof(SqlAnalysisCache.Hits) ? cache.Hits : cache.ShapeHits);
    }

    [Fact]
    public void Plain_statements_with_other_integers_are_found_without_the_parser_once_their_shape_is_known()
    {
        SqlAnalysisCache cache = NewCache();
        SqlAnalysis first = cache.GetOrAnalyze("SELECT abalance FROM pgbench_accounts WHERE aid = 81234");
        SqlAnalysis second = cache.GetOrAnalyze("SELECT abalance FROM pgbench_accounts WHERE aid = 7");
        SqlAnalysis third = cache.GetOrAnalyze("SELECT abalance FROM pgbench_accounts WHERE aid = 99999999999");
        Assert.Same(first, second);
        Assert.Same(first, third);
        Assert.Equal(1, cache.Misses);
        Assert.Equal(2, cache.ConstantHits);
        Assert.Equal("SELECT abalance FROM pgbench_accounts WHERE aid = $1", third.NormalizedText);
    }

    [Theory]
    [InlineData("SELECT name, ssn FROM patients ORDER BY 1", "SELECT name, ssn FROM patients ORDER BY 2")]
    [InlineData("SELECT name, ssn FROM patients GROUP BY 1, 2", "SELECT name, ssn FROM patients GROUP BY 2, 1")]
    [InlineData("SELECT name::varchar(3) FROM patients", "SELECT name::varchar(30) FROM patients")]
    [InlineData("FETCH 5 FROM c", "FETCH 50 FROM c")]
    public void Integers_the_normaliser_keeps_are_never_shared_by_the_key(string first, string second)
    {
        SqlAnalysisCache cache = NewCache();
        SqlAnalysis a = cache.GetOrAnalyze(first);
        SqlAnalysis b = cache.GetOrAnalyze(second);
        Assert.NotSame(a, b);
        Assert.Equal(0, cache.ConstantHits);
        Assert.NotEqual(a.NormalizedText, b.NormalizedText);
    }

    [Theory]
    [InlineData("SELECT * FROM t1 WHERE a = 5", "SELECT * FROM t2 WHERE a = 5")]
    [InlineData("SELECT 1e5 FROM t", "SELECT 2e5 FROM t")]
    [InlineData("SELECT 1.5 FROM t", "SELECT 2.5 FROM t")]
    public void Digits_that_are_no_plain_integer_stay_in_the_key(string first, string second)
    {
        byte[] a = new byte[first.Length], b = new byte[second.Length];
        bool hasA = ConstantKey.TryWrite(System.Text.Encoding.ASCII.GetBytes(first), a, out int lengthA);
        bool hasB = ConstantKey.TryWrite(System.Text.Encoding.ASCII.GetBytes(second), b, out int lengthB);
        Assert.False(hasA && hasB && a.AsSpan(0, lengthA).SequenceEqual(b.AsSpan(0, lengthB)), "two different statements got one key");
    }

    [Theory]
    [InlineData("SELECT 1 -- 2")]
    [InlineData("SELECT 1 /* 2 */")]
    [InlineData("SELECT '1', 2")]
    [InlineData("SELECT \"1\", 2")]
    [InlineData("SELECT $1, 2")]
    [InlineData("SELECT $$1$$, 2")]
    [InlineData("SELECT E'\\'', 2")]
    [InlineData("SELECT 'é', 2")]
    [InlineData("SELECT abalance FROM pgbench_accounts")]
    public void Text_that_could_hide_a_constant_or_has_none_gets_no_key(string sql)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(sql);
        Assert.False(ConstantKey.TryWrite(utf8, new byte[utf8.Length], out _));
    }

    [Fact]
    public void A_key_never_finds_an_analysis_filed_by_exact_text()
    {
        // The key of the second string is the first string's text; it must not find the first string's analysis.
        SqlAnalysisCache cache = NewCache();
        SqlAnalysis constant = cache.GetOrAnalyze("SELECT ' FROM patients WHERE 1 = '");
        SqlAnalysis read = cache.GetOrAnalyze("SELECT 5 FROM patients WHERE 1 = 7");
        Assert.NotSame(constant, read);
        Assert.Contains(Assert.Single(read.Statements).Relations, r => r.Name == "patients");
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

    [Theory]
    [InlineData("SELECT DISTINCT ON ($1) id, ssn < $2 FROM patients WHERE id IN ($3, $4)", "SELECT DISTINCT ON (2) id, ssn < '5' FROM patients WHERE id IN (42, 7)")]
    [InlineData("SELECT count(*), ssn < $1 FROM patients GROUP BY ROLLUP($2)", "SELECT count(*), ssn < '5' FROM patients GROUP BY ROLLUP(2)")]
    public void A_parameter_where_a_position_could_be_never_lends_its_analysis_to_a_position(string parameter, string position)
    {
        // The second string's normalised text is the first string: it must not get the first one's analysis, which
        // (rightly) has no position.
        SqlAnalysisCache cache = NewCache();
        Assert.Empty(Assert.Single(cache.GetOrAnalyze(parameter).Statements).Lineage.PredicatePositions);
        Assert.Equal([2], Assert.Single(cache.GetOrAnalyze(position).Statements).Lineage.PredicatePositions);
    }

    [Fact]
    public void A_string_that_does_not_parse_never_stands_for_another_strings_shape()
    {
        // libpg_query normalises "-(2)" to "$12)"; that text, sent first, is a syntax error filed by exact text only.
        SqlAnalysisCache cache = NewCache();
        Assert.False(cache.GetOrAnalyze("SELECT a FROM t WHERE b = $12)").IsValid);
        Assert.True(cache.GetOrAnalyze("SELECT a FROM t WHERE b = -(2)").IsValid);
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
