using System.Text;
using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Cli;

/// <summary>
/// <c>hoopgate policy explain</c>: what the analyser sees in a SQL string and what a policy decides for a set of
/// groups, with the rule that decided, so that a DBA can try a policy before shipping it.
/// </summary>
public static class PolicyExplainer
{
    /// <summary>Exit code when the statement would run.</summary>
    public const int Allowed = 0;

    /// <summary>Exit code when it would be refused or held for review.</summary>
    public const int Refused = 1;

    /// <summary>Exit code when the policy file does not load.</summary>
    public const int InvalidPolicy = 2;

    /// <summary>Writes the analysis and the decision; returns the exit code.</summary>
    public static int Explain(PolicySnapshot policy, IReadOnlyList<string> groups, string sql, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(output);
        SqlAnalysis analysis = SqlAnalyzer.Analyze(sql);
        output.Write(Describe(analysis));
        PolicyDecision decision = policy.ForGroups(groups).Evaluate(analysis);
        string who = groups.Count == 0 ? "no groups" : "groups " + string.Join(", ", groups);
        output.WriteLine("decision for " + who + ": " + Describe(decision));
        return decision.IsAllowed ? Allowed : Refused;
    }

    /// <summary>The analysis, one statement after another.</summary>
    public static string Describe(SqlAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var text = new StringBuilder();
        if (analysis.Error is { } error)
        {
            text.Append("does not parse: ").Append(error.Message).Append(" (SQLSTATE ").Append(error.SqlState);
            if (error.Position > 0)
            {
                text.Append(", at character ").Append(error.Position);
            }

            return text.Append(")\n").ToString();
        }

        text.Append("fingerprint: ").Append(analysis.Fingerprint).Append('\n');
        text.Append("normalised:  ").Append(analysis.NormalizedText).Append('\n');
        if (analysis.Statements.Count == 0)
        {
            text.Append("no statements\n");
        }

        for (int i = 0; i < analysis.Statements.Count; i++)
        {
            StatementInfo s = analysis.Statements[i];
            text.Append("statement ").Append(i + 1).Append(": ").Append(s.Command).Append(s.IsExplain ? " (under EXPLAIN)" : "").Append('\n');
            text.Append("  kinds:     ").Append(KindNames.Describe(s.Kinds)).Append('\n');
            Line(text, "reads", s.Relations.Where(r => (r.Access & RelationAccess.Read) != 0).Select(r => r.ToString()));
            Line(text, "writes", s.Relations.Where(r => (r.Access & RelationAccess.Write) != 0).Select(r => r.ToString()));
            Line(text, "functions", s.Functions.Select(f => f.ToString()));
            Line(text, "settings", s.Settings.Select(Describe));
            if (s.Copy is { } copy)
            {
                text.Append("  copy:      ").Append(copy.IsFrom ? "from " : "to ").Append(copy.Target.ToString().ToLowerInvariant()).Append('\n');
            }

            if (s.HasUnboundedWrite)
            {
                text.Append("  unbounded: UPDATE or DELETE of every row\n");
            }
        }

        return text.ToString();
    }

    private static string Describe(PolicyDecision decision) => decision.Action switch
    {
        PolicyAction.Allow => "ALLOW",
        PolicyAction.Review => "REVIEW by rule \"" + decision.Rule + "\": " + decision.Reason,
        _ => "DENY by rule \"" + decision.Rule + "\": " + decision.Reason + " (SQLSTATE " + decision.SqlState + ")",
    };

    private static string Describe(SettingChange setting) => setting.Action switch
    {
        SettingAction.ResetAll => "RESET ALL",
        SettingAction.Reset => "RESET " + (setting.Name ?? "?"),
        _ => (setting.ViaFunction ? "set_config " : "SET ") + (setting.Name ?? "(computed name)") + (setting.Value is null ? "" : " = " + setting.Value),
    };

    private static void Line(StringBuilder text, string label, IEnumerable<string> items)
    {
        string joined = string.Join(", ", items);
        if (joined.Length > 0)
        {
            text.Append("  ").Append((label + ":").PadRight(11)).Append(joined).Append('\n');
        }
    }
}
