namespace HoopGate.Policy;

/// <summary>
/// Which result columns are protected (by name pattern, or by a tag in the column's comment) and how each class of
/// them is masked; what else masking does (refuse predicates on masked columns, scrub texts with content detectors).
/// Whether a session sees a column raw is its groups' <see cref="Permissions.Unmask"/>.
/// </summary>
public sealed class MaskingPolicy
{
    /// <summary>The class of statistics columns in the catalog (pg_stats' most common values and histograms hold stored values).</summary>
    public const string StatisticsClass = "catalog-statistics";

    private static readonly System.Buffers.SearchValues<char> s_tagEnd = System.Buffers.SearchValues.Create(" \t\r\n,;");

    /// <summary>Catalog columns that hold stored values, masked whatever the file says (they can be unmasked like any column).</summary>
    internal static readonly string[] StatisticsColumns =
    [
        "pg_catalog.pg_stats.most_common_vals",
        "pg_catalog.pg_stats.histogram_bounds",
        "pg_catalog.pg_stats.most_common_elems",
        "pg_catalog.pg_stats_ext.most_common_vals",
        "pg_catalog.pg_stats_ext_exprs.most_common_vals",
        "pg_catalog.pg_stats_ext_exprs.histogram_bounds",
        "pg_catalog.pg_stats_ext_exprs.most_common_elems",
        "pg_catalog.pg_stats_ext_exprs.expr",
        "pg_catalog.pg_statistic.stavalues*",
        "pg_catalog.pg_statistic_ext_data.*",
    ];

    /// <summary>Creates a masking policy.</summary>
    public MaskingPolicy(
        IReadOnlyList<(ColumnPattern Pattern, MaskRule Rule)> columns,
        IReadOnlyDictionary<string, MaskRule> classes,
        string? tagPrefix,
        MaskRule expressions,
        bool refusePredicates,
        IReadOnlyList<NamePattern> trustedFunctions,
        IReadOnlyList<ContentDetector> detectors)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(classes);
        var all = new List<(ColumnPattern, MaskRule)>(columns);
        var statistics = new MaskRule(StatisticsClass, MaskMethod.Null);
        foreach (string column in StatisticsColumns)
        {
            all.Add((ColumnPattern.TryParse(column)!, statistics));
        }

        Columns = all;
        Classes = classes;
        TagPrefix = tagPrefix;
        Expressions = expressions;
        RefusePredicates = refusePredicates;
        TrustedFunctions = trustedFunctions;
        Detectors = detectors;
        Default = classes.TryGetValue("default", out MaskRule? d) ? d : new MaskRule("default", MaskMethod.Redact);
    }

    /// <summary>No masking declared: only the built-in catalog statistics are masked; no detectors.</summary>
    public static MaskingPolicy Empty { get; } = new([], BuiltInClasses(), "phi:", new MaskRule("expression", MaskMethod.Redact), false, [], []);

    /// <summary>Declared columns, first match wins (the built-in statistics columns last).</summary>
    public IReadOnlyList<(ColumnPattern Pattern, MaskRule Rule)> Columns { get; }

    /// <summary>Classes by name, the built-in ones (redact, partial, pseudonym, null, email, year, default) included.</summary>
    public IReadOnlyDictionary<string, MaskRule> Classes { get; }

    /// <summary>A column whose comment starts with this (<c>phi:</c>) is protected, its class named by the rest; null to ignore comments.</summary>
    public string? TagPrefix { get; }

    /// <summary>How results derived from masked columns are masked (when the gateway cannot trace them to one column).</summary>
    public MaskRule Expressions { get; }

    /// <summary>The class of a tag naming no known class.</summary>
    public MaskRule Default { get; }

    /// <summary>Refuse statements that filter, join, group or sort by a column the session sees masked.</summary>
    public bool RefusePredicates { get; }

    /// <summary>Functions defined in the database whose results are not masked (others may read protected tables).</summary>
    public IReadOnlyList<NamePattern> TrustedFunctions { get; }

    /// <summary>Content detectors run over error and notice texts and notification payloads.</summary>
    public IReadOnlyList<ContentDetector> Detectors { get; }

    /// <summary>The classes every policy has, before its own.</summary>
    public static Dictionary<string, MaskRule> BuiltInClasses() => new(StringComparer.Ordinal)
    {
        ["redact"] = new("redact", MaskMethod.Redact),
        ["partial"] = new("partial", MaskMethod.Partial),
        ["pseudonym"] = new("pseudonym", MaskMethod.Pseudonym),
        ["null"] = new("null", MaskMethod.Null),
        ["email"] = new("email", MaskMethod.Email),
        ["year"] = new("year", MaskMethod.Year),
        ["detect"] = new("detect", MaskMethod.Detect),
        ["default"] = new("default", MaskMethod.Redact),
    };

    /// <summary>
    /// Columns that are not declared protected but whose text values are scanned by the <see cref="Detectors"/> (what they
    /// find is replaced; the column is not masked otherwise, so predicates on it stay allowed).
    /// </summary>
    public IReadOnlyList<ColumnPattern> Scan { get; init; } = [];

    /// <summary>Whether an undeclared column's text values are scanned by the detectors.</summary>
    public bool IsScanned(string schema, string table, string column)
    {
        if (Detectors.Count == 0)
        {
            return false;
        }

        foreach (ColumnPattern pattern in Scan)
        {
            if (pattern.IsMatch(schema, table, column))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The class of a column, or <see langword="null"/> when it is not protected.</summary>
    /// <param name="schema">The column's schema.</param>
    /// <param name="table">Its table or view.</param>
    /// <param name="column">Its name.</param>
    /// <param name="comment">Its comment (COMMENT ON COLUMN), for tags.</param>
    public MaskRule? Classify(string schema, string table, string column, string? comment)
    {
        foreach ((ColumnPattern pattern, MaskRule rule) in Columns)
        {
            if (pattern.IsMatch(schema, table, column))
            {
                return rule;
            }
        }

        if (TagPrefix is not null && comment is not null && comment.StartsWith(TagPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string tag = comment[TagPrefix.Length..];
            int end = tag.AsSpan().IndexOfAny(s_tagEnd);
            tag = (end < 0 ? tag : tag[..end]).ToLowerInvariant();
            return Classes.TryGetValue(tag, out MaskRule? rule) ? rule : Default;
        }

        return null;
    }

    /// <summary>Whether a function defined in the database is trusted not to return protected values.</summary>
    public bool IsTrusted(string schema, string name)
    {
        string qualified = schema + "." + name;
        foreach (NamePattern pattern in TrustedFunctions)
        {
            if (pattern.IsMatch(qualified) || pattern.IsMatch(name))
            {
                return true;
            }
        }

        return false;
    }
}
