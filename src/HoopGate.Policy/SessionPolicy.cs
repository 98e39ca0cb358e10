using HoopGate.Sql;

namespace HoopGate.Policy;

/// <summary>
/// A snapshot's rules for one set of groups, compiled once per session (and again after a reload). Evaluation
/// order, per statement of the string: the parser, the built-in rules, the grants (kinds, tables, functions), then
/// guardrails in file order. A string is judged whole: one denied statement denies it; otherwise one held for review
/// holds it.
/// </summary>
public sealed class SessionPolicy
{
    private readonly Permissions _permissions;
    private readonly IReadOnlyList<Guardrail> _guardrails;
    private readonly string _groupText;

    internal SessionPolicy(PolicySnapshot snapshot, IReadOnlyList<string> groups, Permissions permissions, IReadOnlyList<Guardrail> guardrails)
    {
        Snapshot = snapshot;
        Groups = groups;
        _permissions = permissions;
        _guardrails = guardrails;
        _groupText = groups.Count == 0 ? "your identity (no groups)" : "your groups (" + string.Join(", ", groups) + ")";
    }

    /// <summary>The snapshot these rules came from.</summary>
    public PolicySnapshot Snapshot { get; }

    /// <summary>The session's groups.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>True when any of the session's groups may see some protected column raw.</summary>
    public bool HasUnmaskGrants => _permissions.Unmask.Count > 0;

    /// <summary>Whether the session sees a protected column raw (an <c>unmask</c> grant of one of its groups).</summary>
    public bool CanUnmask(string schema, string table, string column)
    {
        foreach (ColumnPattern pattern in _permissions.Unmask)
        {
            if (pattern.IsMatch(schema, table, column))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Judges a whole SQL string.</summary>
    public PolicyDecision Evaluate(SqlAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        if (analysis.Error is { } error)
        {
            return new PolicyDecision(PolicyAction.Deny, BuiltInRules.Parser, error.Message, error.SqlState, error.Position);
        }

        PolicyDecision? review = null;
        foreach (StatementInfo statement in analysis.Statements)
        {
            PolicyDecision decision = Evaluate(statement);
            if (decision.Action == PolicyAction.Deny)
            {
                return decision;
            }

            if (decision.Action == PolicyAction.Review)
            {
                review ??= decision;
            }
        }

        return review ?? PolicyDecision.Allowed;
    }

    /// <summary>Judges one statement.</summary>
    public PolicyDecision Evaluate(StatementInfo statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        if (BuiltInRules.Check(statement) is { } builtIn)
        {
            return builtIn;
        }

        foreach (FunctionReference function in statement.Functions)
        {
            foreach (NamePattern pattern in Snapshot.DeniedFunctions)
            {
                if (pattern.IsMatch(function.Name))
                {
                    return PolicyDecision.Deny(BuiltInRules.ForbiddenFunction, function.Name + " is forbidden by the policy");
                }
            }
        }

        StatementKind missing = statement.Kinds & ~_permissions.Kinds;
        if (missing != StatementKind.None)
        {
            return PolicyDecision.Deny(BuiltInRules.NotGranted, _groupText + " may not run " + KindNames.Describe(missing) + " statements");
        }

        foreach (RelationReference relation in statement.Relations)
        {
            string schema = Snapshot.Resolve(relation);
            if ((relation.Access & RelationAccess.Read) != 0 && !Allows(_permissions.Read, schema, relation.Name))
            {
                return PolicyDecision.Deny(BuiltInRules.NotGranted, _groupText + " may not read " + schema + "." + relation.Name);
            }

            if ((relation.Access & RelationAccess.Write) != 0 && !Allows(_permissions.Write, schema, relation.Name))
            {
                return PolicyDecision.Deny(BuiltInRules.NotGranted, _groupText + " may not write " + schema + "." + relation.Name);
            }
        }

        PolicyDecision? review = null;
        foreach (Guardrail guardrail in _guardrails)
        {
            if (!guardrail.Matches(statement))
            {
                continue;
            }

            if (guardrail.Action == PolicyAction.Deny)
            {
                return PolicyDecision.Deny(guardrail.Name, guardrail.Reason);
            }

            review ??= PolicyDecision.Review(guardrail.Name, guardrail.Reason, guardrail.Review);
        }

        return review ?? PolicyDecision.Allowed;
    }

    private static bool Allows(IReadOnlyList<TablePattern> patterns, string schema, string table)
    {
        foreach (TablePattern pattern in patterns)
        {
            if (pattern.IsMatch(schema, table))
            {
                return true;
            }
        }

        return false;
    }
}
