namespace HoopGate.Sql;

/// <summary>
/// A key for SQL text that differs only in integer constants, computed without a parser — but only for text so plain
/// that no parser is needed to find them: printable ASCII with no quote, dollar sign, backslash or comment, so that every
/// byte is either part of a keyword, identifier, operator, punctuation or number and nothing can hide inside a string,
/// a quoted identifier or a comment. In such text a run of digits with neither an identifier character, a dot nor a
/// dollar sign on either side is an integer constant; the key is the text with each of those runs replaced by a quote
/// (which the text cannot otherwise contain). Any other text has no key.
/// </summary>
/// <remarks>
/// The key only finds an analysis quickly; it never decides one on its own. <see cref="SqlAnalysisCache"/> files an
/// analysis under a key only after checking, with libpg_query, that changing those constants leaves the normalised text
/// unchanged — so that two strings sharing a key always share libpg_query's normalised text too.
/// </remarks>
internal static class ConstantKey
{
    /// <summary>The byte that stands for a constant in a key.</summary>
    public const byte Marker = (byte)'\'';

    /// <summary>
    /// Writes the key of <paramref name="utf8"/> to <paramref name="key"/> (at least as long as the text) and returns its
    /// length; false when the text is not plain enough to have a key or has no constant.
    /// </summary>
    public static bool TryWrite(ReadOnlySpan<byte> utf8, Span<byte> key, out int length)
    {
        length = 0;
        int constants = 0;
        byte previous = (byte)' ';
        for (int i = 0; i < utf8.Length; i++)
        {
            byte b = utf8[i];
            if (b is < 0x20 and not ((byte)'\t' or (byte)'\n' or (byte)'\r') || b > 0x7E
                || b is (byte)'\'' or (byte)'"' or (byte)'$' or (byte)'\\'
                || (b == (byte)'-' && previous == (byte)'-') || (b == (byte)'*' && previous == (byte)'/'))
            {
                return false;
            }

            if (IsDigit(b) && !IsWordOrDot(previous))
            {
                int end = i + 1;
                while (end < utf8.Length && IsDigit(utf8[end]))
                {
                    end++;
                }

                if (end == utf8.Length || !IsWordOrDot(utf8[end]))
                {
                    key[length++] = Marker;
                    constants++;
                    previous = utf8[end - 1];
                    i = end - 1;
                    continue;
                }

                // 1e5, 1.5, 12abc: not a plain integer; kept as it is.
                utf8[i..end].CopyTo(key[length..]);
                length += end - i;
                previous = utf8[end - 1];
                i = end - 1;
                continue;
            }

            key[length++] = b;
            previous = b;
        }

        return constants > 0;
    }

    /// <summary>
    /// Writes <paramref name="utf8"/> with every constant its key replaces set to another value (one digit, never the
    /// one it had), for the check that libpg_query normalises all of them away.
    /// </summary>
    public static int WriteVariant(ReadOnlySpan<byte> utf8, ReadOnlySpan<byte> key, Span<byte> variant)
    {
        int length = 0;
        int source = 0;
        foreach (byte k in key)
        {
            if (k != Marker)
            {
                variant[length++] = utf8[source++];
                continue;
            }

            int end = source;
            while (end < utf8.Length && IsDigit(utf8[end]))
            {
                end++;
            }

            variant[length++] = end - source == 1 && utf8[source] == (byte)'7' ? (byte)'8' : (byte)'7';
            source = end;
        }

        return length;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsWordOrDot(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'_' or (byte)'.' or (byte)'$';
}
