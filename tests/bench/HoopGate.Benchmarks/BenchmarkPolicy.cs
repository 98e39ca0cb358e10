using HoopGate.Gateway.Interception;
using HoopGate.Policy;
using HoopGate.Sql;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HoopGate.Benchmarks;

/// <summary>The shipped default policy (config/policy.yaml) with pgbench's tables readable, for benchmarks.</summary>
internal static class BenchmarkPolicy
{
    public const string Yaml = """
        version: 1
        everyone:
          statements: [select, show, set, transaction, utility]
          read: [pg_catalog.*, information_schema.*]
        groups:
          analysts:
            read: [public.*]
        functions:
          deny: [pg_stat_get_activity, pg_stat_statements]
        guardrails:
          - name: other-sessions
            action: deny
            reason: other sessions' SQL text can hold protected values
            tables: [pg_catalog.pg_stat_activity, "*.pg_stat_statements"]
          - name: unbounded-write
            action: deny
            reason: UPDATE and DELETE need a WHERE clause that names a column
            unboundedWrite: true
          - name: destructive-ddl
            action: review
            reason: dropping, truncating or altering objects needs approval
            commands: ["DROP *", TRUNCATE, "ALTER *"]
        """;

    public static PolicyProvider CreateProvider()
    {
        string directory = Path.Combine(Path.GetTempPath(), "hoopgate-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "policy.yaml");
        File.WriteAllText(path, Yaml);
        return new PolicyProvider(Options.Create(new PolicyOptions { Path = path, WatchFile = false }), NullLogger<PolicyProvider>.Instance);
    }

    public static StatementGate CreateGate(HoopGate.Masking.MaskingSession? masking = null) =>
        new(CreateProvider(), new SqlAnalysisCache(Options.Create(new SqlOptions())), ["analysts"], masking);
}
