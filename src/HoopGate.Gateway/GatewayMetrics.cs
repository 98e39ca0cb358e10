using System.Globalization;
using System.Text;
using HoopGate.Policy;

namespace HoopGate.Gateway;

/// <summary>
/// The gateway's counters, written in the Prometheus text format by the admin API's <c>/metrics</c>. Updated with
/// interlocked adds where they happen (a statement's decision and duration, bytes as each read is relayed, a session's
/// masked values when it ends, an authentication failure); the gauges (open sessions, audit backlog) are read when
/// scraped.
/// </summary>
public sealed class GatewayMetrics
{
    // Statement durations, in seconds: upper bounds of the histogram's buckets (the last is +Inf).
    private static readonly double[] s_buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _durationCounts = new long[s_buckets.Length + 1];
    private long _durationMicroseconds;
    private long _sessions;
    private long _serverSessionsReused;
    private long _authenticationFailures;
    private long _allowed;
    private long _denied;
    private long _held;
    private long _bytesToServer;
    private long _bytesToClient;
    private long _maskedValues;

    /// <summary>A session was authenticated and connected upstream.</summary>
    public void SessionStarted() => Interlocked.Increment(ref _sessions);

    /// <summary>A client session was given a kept server session instead of a new one.</summary>
    public void ServerSessionReused() => Interlocked.Increment(ref _serverSessionsReused);

    /// <summary>A client failed to authenticate.</summary>
    public void AuthenticationFailed() => Interlocked.Increment(ref _authenticationFailures);

    /// <summary>A statement was judged (and recorded).</summary>
    public void StatementJudged(PolicyAction action)
    {
        switch (action)
        {
            case PolicyAction.Allow:
                Interlocked.Increment(ref _allowed);
                break;
            case PolicyAction.Review:
                Interlocked.Increment(ref _held);
                break;
            default:
                Interlocked.Increment(ref _denied);
                break;
        }
    }

    /// <summary>A statement's answer is complete after <paramref name="seconds"/>.</summary>
    public void StatementFinished(double seconds)
    {
        int bucket = 0;
        while (bucket < s_buckets.Length && seconds > s_buckets[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _durationCounts[bucket]);
        Interlocked.Add(ref _durationMicroseconds, (long)(seconds * 1_000_000));
    }

    /// <summary>Bytes a session sent to the server, counted as each read is relayed.</summary>
    public void AddBytesToServer(long count) => Interlocked.Add(ref _bytesToServer, count);

    /// <summary>Bytes a session sent to its client, counted as each read is relayed.</summary>
    public void AddBytesToClient(long count) => Interlocked.Add(ref _bytesToClient, count);

    /// <summary>Values masked in results.</summary>
    public void AddMaskedValues(long count) => Interlocked.Add(ref _maskedValues, count);

    /// <summary>Writes every metric in the Prometheus text exposition format (version 0.0.4).</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="openSessions">Sessions open now.</param>
    /// <param name="auditBacklog">Audit records durable in the spool and not yet in the store; null when audit is off.</param>
    /// <param name="auditHealthy">The spool can be written; null when audit is off.</param>
    public void WriteTo(StringBuilder output, int openSessions, long? auditBacklog, bool? auditHealthy)
    {
        ArgumentNullException.ThrowIfNull(output);
        Gauge(output, "hoopgate_sessions_open", "Client sessions open now.", openSessions);
        Counter(output, "hoopgate_sessions_total", "Client sessions authenticated and connected upstream.", Interlocked.Read(ref _sessions));
        Counter(output, "hoopgate_server_sessions_reused_total", "Client sessions served by a kept server session (reset with DISCARD ALL) instead of a new one.", Interlocked.Read(ref _serverSessionsReused));
        Counter(output, "hoopgate_authentication_failures_total", "Clients that failed to authenticate.", Interlocked.Read(ref _authenticationFailures));

        output.Append("# HELP hoopgate_statements_total Statements judged by policy, by decision.\n# TYPE hoopgate_statements_total counter\n");
        Sample(output, "hoopgate_statements_total{decision=\"allow\"}", Interlocked.Read(ref _allowed));
        Sample(output, "hoopgate_statements_total{decision=\"deny\"}", Interlocked.Read(ref _denied));
        Sample(output, "hoopgate_statements_total{decision=\"review\"}", Interlocked.Read(ref _held));

        output.Append("# HELP hoopgate_bytes_total Bytes relayed, by direction.\n# TYPE hoopgate_bytes_total counter\n");
        Sample(output, "hoopgate_bytes_total{direction=\"to_server\"}", Interlocked.Read(ref _bytesToServer));
        Sample(output, "hoopgate_bytes_total{direction=\"to_client\"}", Interlocked.Read(ref _bytesToClient));
        Counter(output, "hoopgate_masked_values_total", "Protected values masked in results.", Interlocked.Read(ref _maskedValues));

        output.Append("# HELP hoopgate_statement_duration_seconds Time from a statement's start record to its complete answer.\n");
        output.Append("# TYPE hoopgate_statement_duration_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i <= s_buckets.Length; i++)
        {
            cumulative += Interlocked.Read(ref _durationCounts[i]);
            string bound = i < s_buckets.Length ? s_buckets[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
            Sample(output, "hoopgate_statement_duration_seconds_bucket{le=\"" + bound + "\"}", cumulative);
        }

        output.Append("hoopgate_statement_duration_seconds_sum ")
            .Append((Interlocked.Read(ref _durationMicroseconds) / 1_000_000.0).ToString(CultureInfo.InvariantCulture)).Append('\n');
        Sample(output, "hoopgate_statement_duration_seconds_count", cumulative);

        if (auditBacklog is { } backlog)
        {
            Gauge(output, "hoopgate_audit_backlog_records", "Audit records durable in the local spool and not yet in the audit store.", backlog);
        }

        if (auditHealthy is { } healthy)
        {
            Gauge(output, "hoopgate_audit_spool_healthy", "1 when the audit spool can be written (strict mode refuses statements otherwise).", healthy ? 1 : 0);
        }
    }

    private static void Counter(StringBuilder output, string name, string help, long value)
    {
        output.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n");
        Sample(output, name, value);
    }

    private static void Gauge(StringBuilder output, string name, string help, long value)
    {
        output.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n");
        Sample(output, name, value);
    }

    private static void Sample(StringBuilder output, string name, long value) =>
        output.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
