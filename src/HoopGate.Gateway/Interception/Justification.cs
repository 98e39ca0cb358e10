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
        int at = sql.IndexOf("justification", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        // Only the text around the first mention is searched (a bounded scan, whatever the client sends).
        int start = Math.Max(0, at - 64);
        string window = sql.Substring(start, Math.Min(sql.Length - start, ScanLength));
        try
        {
            Match match = BlockComment().Match(window);
            if (!match.Success)
            {
                match = LineComment().Match(window);
            }

            return match.Success ? Trim(match.Groups["text"].Value) : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    /// <summary>How much text around a justification is searched.</summary>
    private const int ScanLength = 4 * MaxLength;

    /// <summary>The value a <c>SET hoopgate.justification</c> statement gives (empty for a RESET), or null when it sets none.</summary>
    public static string? InSetting(string sql)
    {
        try
        {
            Match match = Setting().Match(sql.Length > ScanLength ? sql[..ScanLength] : sql);
            return match.Success ? Trim(match.Groups["text"].Value.Replace("''", "'", StringComparison.Ordinal)) ?? "" : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
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
