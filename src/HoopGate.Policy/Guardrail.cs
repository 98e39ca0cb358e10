using HoopGate.Sql;

namespace HoopGate.Policy;

/// <summary>
/// A rule that denies or holds for review the statements it matches, whatever the grants say. Every condition given
/// must hold (a list matches when any of its entries does); a guardrail has at least one condition.
/// </summary>
public sealed class Guardrail
{
    /// <summary>The rule's name, unique in the file; shown to clients and recorded in the audit trail.</summary>
    public required string Name { get; init; }

    /// <summary><see cref="PolicyAction.Deny"/> or <see cref="PolicyAction.Review"/>.</summary>
    public required PolicyAction Action { get; init; }

    /// <summary>Why the rule exists, shown to the client.</summary>
    public required string Reason { get; init; }

    /// <summary>For a review rule: how its requests are decided.</summary>
    public ReviewSettings Review { get; init; } = ReviewSettings.Default;

    /// <summary>Matches statements whose kinds (nested ones included) overlap these; <see cref="StatementKind.None"/> for any.</summary>
    public StatementKind Kinds { get; init; }

    /// <summary>Matches statements whose command (<c>DROP TABLE</c>, <c>TRUNCATE</c>…) matches one of these, case-insensitively.</summary>
    public IReadOnlyList<NamePattern> Commands { get; init; } = [];

    /// <summary>Matches statements that touch one of these tables (as <see cref="TableAccess"/> says).</summary>
    public IReadOnlyList<TablePattern> Tables { get; init; } = [];

    /// <summary>Which use of <see cref="Tables"/> counts: read, write, or either (the default).</summary>
    public RelationAccess TableAccess { get; init; } = RelationAccess.ReadWrite;

    /// <summary>Matches statements that call one of these functions.</summary>
    public IReadOnlyList<NamePattern> Functions { get; init; } = [];

    /// <summary>
    /// Matches statements that change one of these settings (SET, RESET, set_config); a RESET ALL or a set_config whose
    /// setting name is computed matches too, since it may change any of them.
    /// </summary>
    public IReadOnlyList<NamePattern> Settings { get; init; } = [];

    /// <summary>When true, matches only UPDATE/DELETE that touch every row (no WHERE, or one that mentions no column).</summary>
    public bool UnboundedWrite { get; init; }

    /// <summary>When non-empty, the rule applies only to sessions in one of these groups.</summary>
    public IReadOnlySet<string> Groups { get; init; } = new HashSet<string>();

    /// <summary>Sessions in one of these groups are exempt.</summary>
    public IReadOnlySet<string> ExceptGroups { get; init; } = new HashSet<string>();

    /// <summary>Whether the rule applies to a session with <paramref name="groups"/>.</summary>
    public bool AppliesTo(IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        bool member = Groups.Count == 0;
        foreach (string group in groups)
        {
            if (ExceptGroups.Contains(group))
            {
                return false;
            }

            member |= Groups.Contains(group);
        }

        return member;
    }

    /// <summary>Whether <paramref name="statement"/> meets every condition.</summary>
    public bool Matches(StatementInfo statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        if (Kinds != StatementKind.None && (statement.Kinds & Kinds) == 0)
        {
            return false;
        }

        if (UnboundedWrite && !statement.HasUnboundedWrite)
        {
            return false;
        }

        if (Commands.Count > 0 && !AnyMatch(Commands, statement.Command))
        {
            return false;
        }

        if (Tables.Count > 0 && !TouchesTable(statement))
        {
            return false;
        }

        if (Functions.Count > 0 && !CallsFunction(statement))
        {
            return false;
        }

        if (Settings.Count > 0 && !ChangesSetting(statement))
        {
            return false;
        }

        return true;
    }

    private bool TouchesTable(StatementInfo statement)
    {
        foreach (RelationReference relation in statement.Relations)
        {
            if ((relation.Access & TableAccess) == 0)
            {
                continue;
            }

            foreach (TablePattern pattern in Tables)
            {
                if (pattern.MayMatch(relation))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private bool CallsFunction(StatementInfo statement)
    {
        foreach (FunctionReference function in statement.Functions)
        {
            if (AnyMatch(Functions, function.Name))
            {
                return true;
            }
        }

        return false;
    }

    private bool ChangesSetting(StatementInfo statement)
    {
        foreach (SettingChange setting in statement.Settings)
        {
            if (setting.Name is null || AnyMatch(Settings, setting.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyMatch(IReadOnlyList<NamePattern> patterns, string value)
    {
        foreach (NamePattern pattern in patterns)
        {
            if (pattern.IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }
}
