using System.Text.RegularExpressions;

namespace HoopGate.Policy;

/// <summary>A pattern of protected content (an SSN, an e-mail address…) looked for in free text the gateway cannot trace to a column.</summary>
/// <param name="Name">The detector's name (<c>ssn</c>, <c>email</c>, or the policy's own).</param>
/// <param name="Pattern">What it matches.</param>
/// <param name="LuhnChecked">Matches count only when their digits pass the Luhn check (card numbers).</param>
public sealed record ContentDetector(string Name, Regex Pattern, bool LuhnChecked = false)
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Compiled;
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(250);

    /// <summary>The detectors built into the gateway, by name.</summary>
    public static IReadOnlyDictionary<string, ContentDetector> BuiltIn { get; } = new Dictionary<string, ContentDetector>(StringComparer.Ordinal)
    {
        ["ssn"] = new("ssn", new Regex(@"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)", Options, s_timeout)),
        ["email"] = new("email", new Regex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", Options, s_timeout)),
        ["phone"] = new("phone", new Regex(@"(?<!\d)(?:\+?1[ .\-]?)?\(?\d{3}\)?[ .\-]\d{3}[ .\-]\d{4}(?!\d)", Options, s_timeout)),
        ["dob"] = new("dob", new Regex(@"(?<!\d)(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d)", Options, s_timeout)),
        ["mrn"] = new("mrn", new Regex(@"\bMRN[-: ]?\d{6,10}\b", Options | RegexOptions.IgnoreCase, s_timeout)),
        ["card"] = new("card", new Regex(@"(?<!\d)\d(?:[ \-]?\d){12,18}(?!\d)", Options, s_timeout), LuhnChecked: true),
    };

    /// <summary>A detector of the policy's own.</summary>
    public static ContentDetector Custom(string name, string pattern) => new(name, new Regex(pattern, Options, s_timeout));
}
