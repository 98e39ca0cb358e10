using HoopGate.Sql;

namespace HoopGate.Policy;

/// <summary>The names statement kinds have in the policy file.</summary>
public static class KindNames
{
    private static readonly (string Name, StatementKind Kind)[] s_names =
    [
        ("select", StatementKind.Select), ("insert", StatementKind.Insert), ("update", StatementKind.Update),
        ("delete", StatementKind.Delete), ("merge", StatementKind.Merge), ("copy", StatementKind.Copy),
        ("ddl", StatementKind.Ddl), ("dcl", StatementKind.Dcl), ("transaction", StatementKind.Transaction),
        ("set", StatementKind.Set), ("show", StatementKind.Show), ("call", StatementKind.Call), ("do", StatementKind.Do),
        ("utility", StatementKind.Utility),
    ];

    /// <summary>Every kind name, in the order the documentation lists them; <c>all</c> stands for all of them.</summary>
    public static IEnumerable<string> All => s_names.Select(n => n.Name);

    /// <summary>Reads a kind name (<c>all</c> included), case-insensitively.</summary>
    public static bool TryParse(string name, out StatementKind kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (string.Equals(name, "all", StringComparison.OrdinalIgnoreCase))
        {
            kind = (StatementKind)((int)StatementKind.Utility << 1) - 1;
            return true;
        }

        foreach ((string n, StatementKind k) in s_names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }

        kind = StatementKind.None;
        return false;
    }

    /// <summary>Names the kinds in a set, comma-separated (<c>delete, ddl</c>).</summary>
    public static string Describe(StatementKind kinds)
    {
        var names = new List<string>();
        foreach ((string n, StatementKind k) in s_names)
        {
            if ((kinds & k) != 0)
            {
                names.Add(n);
            }
        }

        return string.Join(", ", names);
    }
}
