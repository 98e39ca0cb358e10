using HoopGate.Policy;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Sql;

namespace HoopGate.Gateway.Interception;

/// <summary>
/// Where a session's statements meet policy: the SQL of each Query and Parse is analysed (cached by its exact bytes),
/// judged by the session's rules under the policy in force, and a refusal becomes the ErrorResponse the client gets.
/// One per session, used only by its client-to-server pump. The rules are recompiled when a reload brings a new
/// snapshot; the last verdict is remembered, so a statement repeated under the same policy costs a cache lookup.
/// </summary>
internal sealed class StatementGate
{
    private readonly PolicyProvider _policy;
    private readonly SqlAnalysisCache _analyses;
    private readonly IReadOnlyList<string> _groups;
    private readonly HoopGate.Masking.MaskingSession? _masking;
    private SessionPolicy? _rules;
    private SqlAnalysis? _lastAnalysis;
    private SessionPolicy? _lastRules;
    private PolicyDecision _lastDecision = PolicyDecision.Allowed;

    public StatementGate(PolicyProvider policy, SqlAnalysisCache analyses, IReadOnlyList<string> groups, HoopGate.Masking.MaskingSession? masking = null)
    {
        _masking = masking;
        _policy = policy;
        _analyses = analyses;
        _groups = groups;
    }

    /// <summary>Statements refused or held so far.</summary>
    public long Refused { get; private set; }

    /// <summary>Judges one SQL string (UTF-8, as sent).</summary>
    /// <param name="sql">The SQL.</param>
    /// <param name="analysis">Its analysis.</param>
    /// <param name="answered">True for a Query (the server answers each statement once), false for a Parse (run at every Execute).</param>
    public PolicyDecision Judge(ReadOnlySpan<byte> sql, out SqlAnalysis analysis, bool answered = true)
    {
        analysis = _analyses.GetOrAnalyze(sql);
        PolicySnapshot snapshot = _policy.Current;
        SessionPolicy? rules = _rules;
        if (rules is null || !ReferenceEquals(rules.Snapshot, snapshot))
        {
            _rules = rules = snapshot.ForGroups(_groups);
        }

        PolicyDecision decision;
        if (ReferenceEquals(analysis, _lastAnalysis) && ReferenceEquals(rules, _lastRules))
        {
            decision = _lastDecision;
            return decision.IsAllowed ? CheckMasking(analysis, rules, decision, answered) : decision;
        }

        decision = rules.Evaluate(analysis);
        _lastAnalysis = analysis;
        _lastRules = rules;
        _lastDecision = decision;
        if (!decision.IsAllowed)
        {
            Refused++;
            return decision;
        }

        return CheckMasking(analysis, rules, decision, answered);
    }

    /// <summary>
    /// For a statement policy holds for review: the masking rules' refusal, if they refuse it — checked before anyone is
    /// asked, since an approval lifts the guardrail, not masking. Null when masking lets it run.
    /// </summary>
    public PolicyDecision? MaskingRefusal(SqlAnalysis analysis, bool answered)
    {
        PolicyDecision checkedDecision = _rules is { } rules ? CheckMasking(analysis, rules, PolicyDecision.Allowed, answered) : PolicyDecision.Allowed;
        return checkedDecision.IsAllowed ? null : checkedDecision;
    }

    /// <summary>The masking rules on top of policy (run every time: they also remember cursors and see DDL).</summary>
    private PolicyDecision CheckMasking(SqlAnalysis analysis, SessionPolicy rules, PolicyDecision decision, bool answered)
    {
        if (_masking is null || !analysis.IsValid || _masking.Check(analysis, rules, answered) is not { } refusal)
        {
            return decision;
        }

        Refused++;
        return refusal;
    }

    /// <summary>The error a client gets for a refused statement: 42501 naming the rule, or the parser's own error.</summary>
    public static ErrorResponse ToError(PolicyDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var fields = new List<KeyValuePair<ErrorFieldCode, string>>(6)
        {
            new(ErrorFieldCode.Severity, ErrorResponse.Error),
            new(ErrorFieldCode.SeverityNonLocalized, ErrorResponse.Error),
            new(ErrorFieldCode.SqlState, decision.SqlState),
        };
        switch (decision.Action)
        {
            case PolicyAction.Review:
                fields.Add(new(ErrorFieldCode.Message, "statement requires approval under policy rule \"" + decision.Rule + "\": " + decision.Reason));
                fields.Add(new(ErrorFieldCode.Hint, "approvals are not enabled on this gateway; ask an administrator to run the statement"));
                break;
            case PolicyAction.Deny when decision.Rule == BuiltInRules.Parser:
                fields.Add(new(ErrorFieldCode.Message, decision.Reason));
                if (decision.Position > 0)
                {
                    fields.Add(new(ErrorFieldCode.Position, decision.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                break;
            default:
                fields.Add(new(ErrorFieldCode.Message, "permission denied by policy rule \"" + decision.Rule + "\": " + decision.Reason));
                break;
        }

        return new ErrorResponse(fields);
    }
}
