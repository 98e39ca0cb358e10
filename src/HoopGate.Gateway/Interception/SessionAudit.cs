using System.Diagnostics;
using HoopGate.Audit;
using HoopGate.Gateway.Sessions;
using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Gateway.Interception;

/// <summary>
/// One session's side of the audit trail: its start and end records, and for each statement a start record (appended by
/// the client→server pump, which waits for it to be durable before sending — strict mode) and a finish record (written
/// by the server→client pump when the statement's answer is complete).
/// </summary>
internal sealed class SessionAudit
{
    private readonly AuditSpool _spool;
    private readonly bool _strict;
    private readonly bool _fullText;
    private long _statements;
    private long _awaited;

    private readonly AuditParameterHasher _parameters;

    private readonly GatewayMetrics? _metrics;

    public SessionAudit(AuditSpool spool, AuditOptions options, AuditParameterHasher parameters, GatewayMetrics? metrics = null)
    {
        _metrics = metrics;
        _spool = spool;
        _parameters = parameters;
        _strict = options.Mode == AuditMode.Strict;
        _fullText = options.FullStatementText;
    }

    public Guid SessionId { get; } = Guid.CreateVersion7();

    /// <summary>How bound parameters are recorded.</summary>
    public AuditParameterMode ParameterMode => _parameters.Mode;

    /// <summary>The recorded form of one bound value.</summary>
    public string RecordParameter(ReadOnlySpan<byte> value, bool binary) => _parameters.Record(value, binary);

    /// <summary>The last record the client→server pump appended and has not yet seen durable.</summary>
    public long PendingSequence { get; private set; }

    /// <summary>Statements may start: in strict mode, only while the spool can be written.</summary>
    public bool CanStartStatements => !_strict || _spool.IsHealthy;

    public void SessionStarted(SessionStartEvent started) => _spool.Append(started);

    public void SessionEnded(string reason, long statements) =>
        _spool.Append(new SessionEndEvent { SessionId = SessionId, Reason = reason, Statements = statements });

    /// <summary>Writes a statement's start record; the caller tags its request with the result.</summary>
    public AuditedStatement StatementStarted(
        string protocol,
        string sql,
        SqlAnalysis? analysis,
        PolicyDecision decision,
        IReadOnlyList<string?>? parameters = null,
        string? parametersOmitted = null,
        long? approval = null,
        IReadOnlyList<(string Name, string Sql, SqlAnalysis Analysis)>? executes = null)
    {
        var statement = new AuditedStatement(++_statements, !decision.IsAllowed);
        _metrics?.StatementJudged(decision.Action);
        var tablesRead = new List<string>();
        var tablesWritten = new List<string>();
        if (analysis is not null)
        {
            foreach (StatementInfo info in analysis.Statements)
            {
                foreach (RelationReference relation in info.Relations)
                {
                    if ((relation.Access & RelationAccess.Read) != 0 && !tablesRead.Contains(relation.ToString()))
                    {
                        tablesRead.Add(relation.ToString());
                    }

                    if ((relation.Access & RelationAccess.Write) != 0 && !tablesWritten.Contains(relation.ToString()))
                    {
                        tablesWritten.Add(relation.ToString());
                    }
                }
            }
        }

        string text = _fullText ? sql
            : analysis?.NormalizedText ?? "(not normalisable: " + (analysis?.Error?.Message ?? "no analysis") + ")";
        long sequence = _spool.Append(new StatementStartEvent
        {
            SessionId = SessionId,
            Statement = statement.Number,
            Protocol = protocol,
            Sql = text,
            Executes = executes?.Select(e => new KeyValuePair<string, string>(
                e.Name, _fullText ? e.Sql : e.Analysis.NormalizedText ?? "(not normalisable)")).ToList(),
            Fingerprint = analysis?.Fingerprint,
            Kinds = analysis is null ? null : KindNames.Describe(analysis.Kinds),
            TablesRead = tablesRead,
            TablesWritten = tablesWritten,
            Decision = decision.Action switch
            {
                PolicyAction.Allow => "allow",
                PolicyAction.Review => "review",
                _ => "deny",
            },
            Rule = decision.Rule,
            Reason = decision.IsAllowed ? null : decision.Reason,
            Approval = approval,
            Parameters = parameters,
            ParametersOmitted = parametersOmitted,
        });
        if (!statement.Refused)
        {
            // Only a statement that will run must wait for its record; a refused one's record rides along with the next flush.
            PendingSequence = sequence;
        }

        return statement;
    }

    /// <summary>Writes a statement's finish record.</summary>
    public void StatementFinished(AuditedStatement statement, RequestOutcome outcome)
    {
        string result = statement.Refused ? "refused" : outcome switch
        {
            RequestOutcome.Completed => "completed",
            RequestOutcome.Failed => "failed",
            RequestOutcome.Interrupted => "interrupted",
            _ => "skipped",
        };
        TimeSpan duration = Stopwatch.GetElapsedTime(statement.StartedAt);
        _spool.Append(new StatementFinishEvent
        {
            SessionId = SessionId,
            Statement = statement.Number,
            Outcome = result,
            Rows = statement.Rows,
            CommandTags = statement.CommandTags,
            SqlState = statement.SqlState,
            Message = statement.Message,
            MaskedColumns = statement.MaskedColumns,
            UnmaskedColumns = statement.UnmaskedColumns,
            DurationMilliseconds = duration.TotalMilliseconds,
        });
        _metrics?.StatementFinished(duration.TotalSeconds);
    }

    /// <summary>
    /// Before the client→server pump sends: waits until every start record it appended is durable (strict mode).
    /// False when the spool could not write them: nothing may be sent.
    /// </summary>
    public ValueTask<bool> WaitDurableAsync()
    {
        long pending = PendingSequence;
        if (!_strict || pending <= _awaited)
        {
            return new ValueTask<bool>(true);
        }

        _awaited = pending;
        return _spool.WaitDurableAsync(pending);
    }
}
