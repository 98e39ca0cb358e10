using System.Text;
using BenchmarkDotNet.Attributes;
using HoopGate.Policy;
using HoopGate.Sql;
using Microsoft.Extensions.Options;

namespace HoopGate.Benchmarks;

/// <summary>
/// What policy costs per statement: analysis by libpg_query (uncached: parse, fingerprint, normalise, walk), a cache
/// hit, and evaluation of an analysis against a session's rules.
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private static readonly byte[] s_pgbench = Encoding.UTF8.GetBytes("SELECT abalance FROM pgbench_accounts WHERE aid = $1");
    private static readonly byte[] s_clinic = Encoding.UTF8.GetBytes(
        "SELECT p.name, v.visited_at FROM clinic.patients p JOIN clinic.visits v ON v.patient_id = p.id WHERE p.id = $1 ORDER BY v.visited_at DESC LIMIT 10");

    private SqlAnalysisCache _cache = null!;
    private SessionPolicy _rules = null!;
    private SqlAnalysis _analysis = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cache = new SqlAnalysisCache(Options.Create(new SqlOptions()));
        _cache.GetOrAnalyze(s_pgbench);
        _rules = BenchmarkPolicy.CreateProvider().Current.ForGroups(["analysts"]);
        _analysis = SqlAnalyzer.Analyze(s_pgbench);
    }

    [Benchmark(Description = "analyse, uncached: pgbench select")]
    public SqlAnalysis AnalyzePgbench() => SqlAnalyzer.Analyze(s_pgbench);

    [Benchmark(Description = "analyse, uncached: clinic join")]
    public SqlAnalysis AnalyzeClinic() => SqlAnalyzer.Analyze(s_clinic);

    [Benchmark(Description = "analyse, cached: pgbench select")]
    public SqlAnalysis CachedPgbench() => _cache.GetOrAnalyze(s_pgbench);

    [Benchmark(Description = "evaluate: pgbench select under the default policy")]
    public PolicyDecision Evaluate() => _rules.Evaluate(_analysis);
}
