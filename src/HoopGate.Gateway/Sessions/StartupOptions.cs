namespace HoopGate.Gateway.Sessions;

/// <summary>
/// Reads the setting names out of a startup <c>options</c> value (<c>-c name=value</c>, <c>-cname=value</c>,
/// <c>--name=value</c>; backslash escapes a space), the way the server's command-line parsing does.
/// Anything that is not one of those forms counts as a setting named by the whole word, which no allow-list
/// holds: unknown syntax is refused, never passed on.
/// </summary>
internal static class StartupOptions
{
    public static IEnumerable<string> Parse(string options)
    {
        List<string> words = SplitWords(options);
        for (int i = 0; i < words.Count; i++)
        {
            string word = words[i];
            string? assignment = null;
            if (word == "-c" && i + 1 < words.Count)
            {
                assignment = words[++i];
            }
            else if (word.StartsWith("-c", StringComparison.Ordinal) && word.Length > 2)
            {
                assignment = word[2..];
            }
            else if (word.StartsWith("--", StringComparison.Ordinal) && word.Length > 2)
            {
                assignment = word[2..];
            }

            if (assignment is null)
            {
                yield return word;
                continue;
            }

            int equals = assignment.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? assignment : assignment[..equals];

            // The server treats '-' and '_' alike in names given on the command line.
            yield return name.Replace('-', '_');
        }
    }

    private static List<string> SplitWords(string options)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < options.Length; i++)
        {
            char c = options[i];
            if (c == '\\' && i + 1 < options.Length)
            {
                current.Append(options[++i]);
            }
            else if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
