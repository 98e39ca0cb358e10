namespace HoopGate.Policy;

/// <summary>
/// A name with <c>*</c> wildcards (<c>pg_read_*</c>, <c>DROP *</c>). Matching is ordinal unless asked otherwise:
/// PostgreSQL stores unquoted identifiers in lower case, and so should patterns name them.
/// </summary>
public sealed class NamePattern
{
    private readonly string[] _parts;
    private readonly StringComparison _comparison;

    /// <summary>Compiles <paramref name="pattern"/>.</summary>
    public NamePattern(string pattern, bool ignoreCase = false)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Text = pattern;
        _parts = pattern.Split('*');
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>True when the pattern is <c>*</c>.</summary>
    public bool MatchesEverything => _parts.Length == 2 && _parts[0].Length == 0 && _parts[1].Length == 0;

    /// <summary>Whether <paramref name="name"/> matches.</summary>
    public bool IsMatch(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_parts.Length == 1)
        {
            return string.Equals(name, Text, _comparison);
        }

        // First part anchors the start, last part the end, the middle ones are found in order.
        string first = _parts[0], last = _parts[^1];
        if (name.Length < first.Length + last.Length
            || !name.StartsWith(first, _comparison)
            || !name.EndsWith(last, _comparison))
        {
            return false;
        }

        int position = first.Length;
        int end = name.Length - last.Length;
        for (int i = 1; i < _parts.Length - 1; i++)
        {
            string part = _parts[i];
            if (part.Length == 0)
            {
                continue;
            }

            int found = name.IndexOf(part, position, end - position, _comparison);
            if (found < 0)
            {
                return false;
            }

            position = found + part.Length;
        }

        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
