using System.Text.RegularExpressions;

namespace HoopGate.Gateway.Interception;

/// <summary>
/// Why a requester needs a held statement, in their words: a comment in the statement (<c>/* justification: … */</c> or
/// <c>-- justification: …</c>), or else the session's <c>SET hoopgate.justification = '…'</c>.
/// </summary>
internal static partial class Justification
{
    /// <summary>Longer justifications are cut to this many characters.</summary>
    public const int MaxLength = 1000;

    /// <summary>The justification a statement's comments give, or null.</summary>
    public static string? InComment(string sql)
    {
        if (sql.Length > 1 && sql.Contains("justification", StringComparison.OrdinalIgnoreCase))
        {
            Match match = BlockComment().Match(sql);
            if (!match.Success)
            {
                match = LineComment().Match(sql);
            }

            if (match.Success)
            {
                return Trim(match.Groups["text"].Value);
            }
        }

        return null;
    }

    /// <summary>The value a <c>SET hoopgate.justification</c> statement gives (empty for a RESET), or null when it sets none.</summary>
    public static string? InSetting(string sql)
    {
        Match match = Setting().Match(sql);
        return match.Success ? Trim(match.Groups["text"].Value.Replace("''", "'", StringComparison.Ordinal)) ?? "" : null;
    }

    /// <summary>The setting's name, as PostgreSQL accepts it for a custom (placeholder) setting.</summary>
    public const string SettingName = "hoopgate.justification";

    private static string? Trim(string text)
    {
        text = text.Trim();
        return text.Length == 0 ? null : text.Length > MaxLength ? text[..MaxLength] : text;
    }

    [GeneratedRegex(@"/\*\s*justification\s*:\s*(?<text>.*?)\*/", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, 250)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"--\s*justification\s*:(?<text>[^\r\n]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 250)]
    private static partial Regex LineComment();

    [GeneratedRegex(@"hoopgate\.justification\s*(?:=|\bto\b)\s*'(?<text>(?:[^']|'')*)'", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 250)]
    private static partial Regex Setting();
}
