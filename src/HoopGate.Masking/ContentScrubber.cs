using System.Text;
using System.Text.RegularExpressions;
using HoopGate.Policy;

namespace HoopGate.Masking;

/// <summary>
/// Finds protected content in free text the gateway cannot trace to a column — error and notice fields, notification
/// payloads — with the policy's <see cref="ContentDetector"/>s, and replaces each match with <c>[REDACTED:name]</c>.
/// </summary>
internal static class ContentScrubber
{
    /// <summary>The text with every detected match replaced; the same instance when nothing matched.</summary>
    public static string Scrub(string text, IReadOnlyList<ContentDetector> detectors)
    {
        ArgumentNullException.ThrowIfNull(text);
        string result = text;
        foreach (ContentDetector detector in detectors)
        {
            try
            {
                string next = detector.Pattern.Replace(result, match => !detector.LuhnChecked || PassesLuhn(match.ValueSpan) ? "[REDACTED:" + detector.Name + "]" : match.Value);
                if (!string.Equals(next, result, StringComparison.Ordinal))
                {
                    result = next;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A text that makes a detector run away is not shown at all.
                return "[REDACTED:" + detector.Name + "]";
            }
        }

        return result;
    }

    /// <summary>Whether any detector finds something in <paramref name="text"/>.</summary>
    public static bool Detects(string text, IReadOnlyList<ContentDetector> detectors) => !ReferenceEquals(Scrub(text, detectors), text);

    /// <summary>The Luhn check of the digits in <paramref name="value"/> (separators ignored).</summary>
    internal static bool PassesLuhn(ReadOnlySpan<char> value)
    {
        int sum = 0, count = 0;
        for (int i = value.Length - 1; i >= 0; i--)
        {
            char c = value[i];
            if (c is < '0' or > '9')
            {
                continue;
            }

            int digit = c - '0';
            if ((count++ & 1) == 1)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
        }

        return count >= 13 && sum % 10 == 0;
    }

    /// <summary>Scrubs UTF-8 text (a notification payload).</summary>
    public static string Scrub(ReadOnlySpan<byte> utf8, IReadOnlyList<ContentDetector> detectors) => Scrub(Encoding.UTF8.GetString(utf8), detectors);
}
