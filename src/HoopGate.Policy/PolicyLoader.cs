using System.Globalization;
using HoopGate.Sql;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HoopGate.Policy;

/// <summary>
/// Reads a policy file (docs/policy.md describes it) into a <see cref="PolicySnapshot"/>, or into every error it has,
/// each with its line and column: unknown keys, wrong types, unknown statement kinds, guardrails without conditions,
/// duplicate names. Nothing is guessed: a file with any error is refused whole.
/// </summary>
public static class PolicyLoader
{
    /// <summary>The policy file format this loader reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Loads the file at <paramref name="path"/>.</summary>
    public static PolicyLoadResult LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return PolicyLoadResult.Failed([path + ": cannot read the policy file: " + ex.Message]);
        }

        return Load(text, path);
    }

    /// <summary>Loads policy text; <paramref name="source"/> names it in errors.</summary>
    public static PolicyLoadResult Load(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Reader(source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            return PolicyLoadResult.Failed([reader.At(ex.Start, ex.InnerException?.Message ?? ex.Message)]);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return PolicyLoadResult.Failed([source + ": the policy file must be one YAML mapping (version, everyone, groups, guardrails…)"]);
        }

        PolicySnapshot? snapshot = reader.ReadRoot(root);
        return reader.Errors.Count > 0 || snapshot is null ? PolicyLoadResult.Failed(reader.Errors) : PolicyLoadResult.Loaded(snapshot);
    }

    private sealed class Reader(string source)
    {
        private static readonly string[] s_rootKeys = ["version", "searchPath", "everyone", "groups", "functions", "guardrails", "masking"];
        private static readonly string[] s_permissionKeys = ["statements", "read", "write", "unmask"];
        private static readonly string[] s_maskingKeys = ["columns", "classes", "tags", "expressions", "refusePredicates", "trustedFunctions", "detectors", "scan"];
        private static readonly string[] s_classKeys = ["method", "keep", "placeholder"];
        private static readonly string[] s_functionKeys = ["deny"];
        private static readonly string[] s_guardrailKeys =
            ["name", "action", "reason", "kinds", "commands", "tables", "access", "functions", "settings", "unboundedWrite", "groups", "exceptGroups", "review"];
        private static readonly string[] s_reviewKeys = ["mode", "approvers", "approvals", "justification", "timeout", "validity"];

        public List<string> Errors { get; } = [];

        public string At(Mark mark, string message) =>
            source + ":" + mark.Line.ToString(CultureInfo.InvariantCulture) + ":" + mark.Column.ToString(CultureInfo.InvariantCulture) + ": " + message;

        public PolicySnapshot? ReadRoot(YamlMappingNode root)
        {
            CheckKeys(root, s_rootKeys, "the policy file");
            YamlNode? version = Get(root, "version");
            if (version is null)
            {
                Errors.Add(At(root.Start, "'version: " + FormatVersion.ToString(CultureInfo.InvariantCulture) + "' is required"));
            }
            else if (Scalar(version, "version") is { } v && v != FormatVersion.ToString(CultureInfo.InvariantCulture))
            {
                Errors.Add(At(version.Start, "unsupported policy version '" + v + "' (this gateway reads version " + FormatVersion.ToString(CultureInfo.InvariantCulture) + ")"));
            }

            IReadOnlyList<string> searchPath = Get(root, "searchPath") is { } sp ? Strings(sp, "searchPath") : ["public"];
            Permissions everyone = Get(root, "everyone") is { } e ? ReadPermissions(e, "everyone") : Permissions.None;

            var groups = new Dictionary<string, Permissions>(StringComparer.Ordinal);
            if (Get(root, "groups") is { } groupsNode)
            {
                if (groupsNode is YamlMappingNode groupMap)
                {
                    foreach ((YamlNode key, YamlNode value) in groupMap.Children)
                    {
                        if (Scalar(key, "a group name") is { Length: > 0 } name)
                        {
                            groups[name] = ReadPermissions(value, "group '" + name + "'");
                        }
                    }
                }
                else
                {
                    Errors.Add(At(groupsNode.Start, "'groups' must map group names to their permissions"));
                }
            }

            var deniedFunctions = new List<NamePattern>();
            if (Get(root, "functions") is { } functions)
            {
                if (functions is YamlMappingNode functionMap)
                {
                    CheckKeys(functionMap, s_functionKeys, "'functions'");
                    if (Get(functionMap, "deny") is { } deny)
                    {
                        deniedFunctions.AddRange(Strings(deny, "functions.deny").Select(f => new NamePattern(f)));
                    }
                }
                else
                {
                    Errors.Add(At(functions.Start, "'functions' must be a mapping with 'deny'"));
                }
            }

            var guardrails = new List<Guardrail>();
            if (Get(root, "guardrails") is { } guardrailNode)
            {
                if (guardrailNode is YamlSequenceNode list)
                {
                    var names = new HashSet<string>(StringComparer.Ordinal);
                    foreach (YamlNode item in list.Children)
                    {
                        if (ReadGuardrail(item) is { } guardrail)
                        {
                            if (!names.Add(guardrail.Name))
                            {
                                Errors.Add(At(item.Start, "guardrail name '" + guardrail.Name + "' is used twice"));
                            }

                            guardrails.Add(guardrail);
                        }
                    }
                }
                else
                {
                    Errors.Add(At(guardrailNode.Start, "'guardrails' must be a list"));
                }
            }

            MaskingPolicy masking = Get(root, "masking") is { } maskingNode ? ReadMasking(maskingNode) : MaskingPolicy.Empty;
            return Errors.Count > 0 ? null : new PolicySnapshot(source, searchPath, everyone, groups, deniedFunctions, guardrails, masking);
        }

        private MaskingPolicy ReadMasking(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Errors.Add(At(node.Start, "'masking' must be a mapping (columns, classes, tags, …)"));
                return MaskingPolicy.Empty;
            }

            CheckKeys(map, s_maskingKeys, "'masking'");
            Dictionary<string, MaskRule> classes = MaskingPolicy.BuiltInClasses();
            if (Get(map, "classes") is { } classNode)
            {
                if (classNode is YamlMappingNode classMap)
                {
                    foreach ((YamlNode key, YamlNode value) in classMap.Children)
                    {
                        if (Scalar(key, "a class name") is { Length: > 0 } name && ReadClass(name, value) is { } rule)
                        {
                            classes[name] = rule;
                        }
                    }
                }
                else
                {
                    Errors.Add(At(classNode.Start, "'masking.classes' must map class names to {method, keep, placeholder}"));
                }
            }

            var columns = new List<(ColumnPattern, MaskRule)>();
            if (Get(map, "columns") is { } columnNode)
            {
                if (columnNode is YamlMappingNode columnMap)
                {
                    foreach ((YamlNode key, YamlNode value) in columnMap.Children)
                    {
                        string? text = Scalar(key, "a column pattern");
                        string? className = Scalar(value, "a class name");
                        if (text is null || className is null)
                        {
                            continue;
                        }

                        if (ColumnPattern.TryParse(text) is not { } pattern)
                        {
                            Errors.Add(At(key.Start, "'" + text + "' is not a column pattern (schema.table.column, with * as wildcard)"));
                        }
                        else if (!classes.TryGetValue(className, out MaskRule? rule))
                        {
                            Errors.Add(At(value.Start, "unknown masking class '" + className + "' (known: " + string.Join(", ", classes.Keys.Order(StringComparer.Ordinal)) + ")"));
                        }
                        else
                        {
                            columns.Add((pattern, rule));
                        }
                    }
                }
                else
                {
                    Errors.Add(At(columnNode.Start, "'masking.columns' must map schema.table.column patterns to class names"));
                }
            }

            string? tagPrefix = "phi:";
            if (Get(map, "tags") is { } tagNode && Scalar(tagNode, "masking.tags") is { } tags)
            {
                tagPrefix = tags is "false" or "off" or "" ? null : tags;
            }

            MaskRule expressions = new("expression", MaskMethod.Redact);
            if (Get(map, "expressions") is { } expressionNode && Scalar(expressionNode, "masking.expressions") is { } expressionClass)
            {
                if (classes.TryGetValue(expressionClass, out MaskRule? rule))
                {
                    expressions = rule;
                }
                else
                {
                    Errors.Add(At(expressionNode.Start, "unknown masking class '" + expressionClass + "'"));
                }
            }

            bool refusePredicates = Get(map, "refusePredicates") is { } refuseNode && Flag(refuseNode, "masking.refusePredicates");
            IReadOnlyList<NamePattern> trusted = Get(map, "trustedFunctions") is { } trustedNode
                ? Strings(trustedNode, "masking.trustedFunctions").Select(f => new NamePattern(f)).ToList()
                : [];
            var detectors = new List<ContentDetector>();
            if (Get(map, "detectors") is { } detectorNode)
            {
                ReadDetectors(detectorNode, detectors);
            }

            bool detectUsed = columns.Any(c => c.Item2.Method == MaskMethod.Detect) || expressions.Method == MaskMethod.Detect
                || (Get(map, "classes") is YamlMappingNode declared && declared.Children.Keys.Any(k => k is YamlScalarNode { Value: { } name } && classes.TryGetValue(name, out MaskRule? r) && r.Method == MaskMethod.Detect));
            if (detectors.Count == 0 && detectUsed)
            {
                Errors.Add(At(map.Start, "a class with method 'detect' needs 'masking.detectors'"));
            }

            List<ColumnPattern> scan = [];
            if (Get(map, "scan") is { } scanNode)
            {
                scan = Columns(scanNode, "masking.scan");
                if (scan.Count > 0 && detectors.Count == 0)
                {
                    Errors.Add(At(scanNode.Start, "'masking.scan' needs 'masking.detectors'"));
                }
            }

            return new MaskingPolicy(columns, classes, tagPrefix, expressions, refusePredicates, trusted, detectors) { Scan = scan };
        }

        private MaskRule? ReadClass(string name, YamlNode node)
        {
            if (node is YamlScalarNode)
            {
                // ssn: partial — a class that is just a method.
                return Scalar(node, "a masking method") is { } only && ReadMethod(only, node) is { } m ? new MaskRule(name, m) : null;
            }

            if (node is not YamlMappingNode map)
            {
                Errors.Add(At(node.Start, "class '" + name + "' must be a method or a mapping with method, keep, placeholder"));
                return null;
            }

            CheckKeys(map, s_classKeys, "class '" + name + "'");
            if (Required(map, "method", "class '" + name + "'") is not { } methodText || ReadMethod(methodText, Get(map, "method")!) is not { } method)
            {
                return null;
            }

            int keep = 4;
            if (Get(map, "keep") is { } keepNode && Scalar(keepNode, "keep") is { } keepText
                && (!int.TryParse(keepText, NumberStyles.None, CultureInfo.InvariantCulture, out keep) || keep > 64))
            {
                Errors.Add(At(keepNode.Start, "'keep' must be a whole number from 0 to 64"));
            }

            string placeholder = Get(map, "placeholder") is { } p && Scalar(p, "placeholder") is { } text ? text : MaskRule.DefaultPlaceholder;
            return new MaskRule(name, method, keep, placeholder);
        }

        private MaskMethod? ReadMethod(string text, YamlNode node)
        {
            switch (text)
            {
                case "redact": return MaskMethod.Redact;
                case "partial": return MaskMethod.Partial;
                case "pseudonym": return MaskMethod.Pseudonym;
                case "null": return MaskMethod.Null;
                case "email": return MaskMethod.Email;
                case "year": return MaskMethod.Year;
                case "detect": return MaskMethod.Detect;
                default:
                    Errors.Add(At(node.Start, "unknown masking method '" + text + "' (known: redact, partial, pseudonym, null, email, year, detect)"));
                    return null;
            }
        }

        private void ReadDetectors(YamlNode node, List<ContentDetector> detectors)
        {
            if (node is not YamlSequenceNode list)
            {
                Errors.Add(At(node.Start, "'masking.detectors' must be a list of detector names or {name, pattern}"));
                return;
            }

            foreach (YamlNode item in list.Children)
            {
                if (item is YamlScalarNode { Value: { } name })
                {
                    if (ContentDetector.BuiltIn.TryGetValue(name, out ContentDetector? detector))
                    {
                        detectors.Add(detector);
                    }
                    else
                    {
                        Errors.Add(At(item.Start, "unknown detector '" + name + "' (built in: " + string.Join(", ", ContentDetector.BuiltIn.Keys) + "; or give {name, pattern})"));
                    }

                    continue;
                }

                if (item is YamlMappingNode custom)
                {
                    CheckKeys(custom, ["name", "pattern"], "a detector");
                    string? customName = Required(custom, "name", "a detector");
                    string? pattern = Required(custom, "pattern", "a detector");
                    if (customName is null || pattern is null)
                    {
                        continue;
                    }

                    try
                    {
                        detectors.Add(ContentDetector.Custom(customName, pattern));
                    }
                    catch (ArgumentException ex)
                    {
                        Errors.Add(At(Get(custom, "pattern")!.Start, "detector '" + customName + "': invalid pattern: " + ex.Message));
                    }

                    continue;
                }

                Errors.Add(At(item.Start, "a detector is a name or {name, pattern}"));
            }
        }

        private bool Flag(YamlNode node, string what)
        {
            switch (Scalar(node, what))
            {
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
                case { } other:
                    Errors.Add(At(node.Start, what + " must be true or false, not '" + other + "'"));
                    return false;
                default:
                    return false;
            }
        }

        private Permissions ReadPermissions(YamlNode node, string what)
        {
            if (node is not YamlMappingNode map)
            {
                Errors.Add(At(node.Start, what + " must be a mapping with statements, read and write"));
                return Permissions.None;
            }

            CheckKeys(map, s_permissionKeys, what);
            StatementKind kinds = Get(map, "statements") is { } statements ? Kinds(statements) : StatementKind.None;
            IReadOnlyList<TablePattern> read = Get(map, "read") is { } r ? Tables(r, "read") : [];
            IReadOnlyList<TablePattern> write = Get(map, "write") is { } w ? Tables(w, "write") : [];
            IReadOnlyList<ColumnPattern> unmask = Get(map, "unmask") is { } u ? Columns(u, "unmask") : [];
            return new Permissions(kinds, read, write) { Unmask = unmask };
        }

        private Guardrail? ReadGuardrail(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Errors.Add(At(node.Start, "a guardrail must be a mapping with name, action, reason and conditions"));
                return null;
            }

            int errorsBefore = Errors.Count;
            CheckKeys(map, s_guardrailKeys, "a guardrail");
            string? name = Required(map, "name", "a guardrail");
            string? actionText = Required(map, "action", "guardrail '" + name + "'");
            string? reason = Required(map, "reason", "guardrail '" + name + "'");
            PolicyAction action = PolicyAction.Deny;
            if (actionText is not null)
            {
                if (string.Equals(actionText, "deny", StringComparison.OrdinalIgnoreCase))
                {
                    action = PolicyAction.Deny;
                }
                else if (string.Equals(actionText, "review", StringComparison.OrdinalIgnoreCase))
                {
                    action = PolicyAction.Review;
                }
                else
                {
                    Errors.Add(At(Get(map, "action")!.Start, "action must be 'deny' or 'review', not '" + actionText + "'"));
                }
            }

            RelationAccess access = RelationAccess.ReadWrite;
            if (Get(map, "access") is { } accessNode && Scalar(accessNode, "access") is { } accessText)
            {
                access = accessText.ToLowerInvariant() switch
                {
                    "read" => RelationAccess.Read,
                    "write" => RelationAccess.Write,
                    "any" => RelationAccess.ReadWrite,
                    _ => Invalid(accessNode, "access must be read, write or any, not '" + accessText + "'"),
                };
            }

            bool unbounded = false;
            if (Get(map, "unboundedWrite") is { } unboundedNode && Scalar(unboundedNode, "unboundedWrite") is { } unboundedText)
            {
                if (!bool.TryParse(unboundedText, out unbounded))
                {
                    Errors.Add(At(unboundedNode.Start, "unboundedWrite must be true or false"));
                }
            }

            ReviewSettings review = ReviewSettings.Default;
            if (Get(map, "review") is { } reviewNode)
            {
                if (action != PolicyAction.Review)
                {
                    Errors.Add(At(reviewNode.Start, "guardrail '" + name + "' has review settings but its action is not 'review'"));
                }

                review = ReadReview(reviewNode, name);
            }

            var guardrail = new Guardrail
            {
                Name = name ?? "",
                Action = action,
                Reason = reason ?? "",
                Review = review,
                Kinds = Get(map, "kinds") is { } k ? Kinds(k) : StatementKind.None,
                Commands = Get(map, "commands") is { } c ? Strings(c, "commands").Select(s => new NamePattern(s, ignoreCase: true)).ToList() : [],
                Tables = Get(map, "tables") is { } t ? Tables(t, "tables") : [],
                TableAccess = access,
                Functions = Get(map, "functions") is { } f ? Strings(f, "functions").Select(s => new NamePattern(s)).ToList() : [],
                Settings = Get(map, "settings") is { } st ? Strings(st, "settings").Select(s => new NamePattern(s.ToLowerInvariant())).ToList() : [],
                UnboundedWrite = unbounded,
                Groups = Get(map, "groups") is { } g ? Strings(g, "groups").ToHashSet(StringComparer.Ordinal) : new HashSet<string>(),
                ExceptGroups = Get(map, "exceptGroups") is { } x ? Strings(x, "exceptGroups").ToHashSet(StringComparer.Ordinal) : new HashSet<string>(),
            };

            bool hasCondition = guardrail.Kinds != StatementKind.None || guardrail.Commands.Count > 0 || guardrail.Tables.Count > 0
                || guardrail.Functions.Count > 0 || guardrail.Settings.Count > 0 || guardrail.UnboundedWrite;
            if (!hasCondition)
            {
                Errors.Add(At(map.Start, "guardrail '" + name + "' has no condition (kinds, commands, tables, functions, settings or unboundedWrite): it would match every statement"));
            }

            return Errors.Count > errorsBefore ? null : guardrail;
        }

        private ReviewSettings ReadReview(YamlNode node, string? rule)
        {
            string what = "the review settings of guardrail '" + rule + "'";
            if (node is not YamlMappingNode map)
            {
                Errors.Add(At(node.Start, what + " must be a mapping (mode, approvers, approvals, justification, timeout, validity)"));
                return ReviewSettings.Default;
            }

            CheckKeys(map, s_reviewKeys, what);
            ReviewSettings defaults = ReviewSettings.Default;
            ReviewMode mode = defaults.Mode;
            if (Get(map, "mode") is { } modeNode && Scalar(modeNode, "mode") is { } modeText)
            {
                if (!Enum.TryParse(modeText, ignoreCase: true, out mode) || !Enum.IsDefined(mode) || modeText.Any(char.IsDigit))
                {
                    Errors.Add(At(modeNode.Start, "review mode must be 'wait' or 'retry', not '" + modeText + "'"));
                }
            }

            int approvals = defaults.Approvals;
            if (Get(map, "approvals") is { } approvalsNode && Scalar(approvalsNode, "approvals") is { } approvalsText)
            {
                if (!int.TryParse(approvalsText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out approvals) || approvals is < 1 or > 10)
                {
                    Errors.Add(At(approvalsNode.Start, "approvals must be a whole number from 1 to 10, not '" + approvalsText + "'"));
                }
            }

            bool justification = false;
            if (Get(map, "justification") is { } justificationNode && Scalar(justificationNode, "justification") is { } justificationText)
            {
                switch (justificationText.ToLowerInvariant())
                {
                    case "required":
                        justification = true;
                        break;
                    case "optional":
                        break;
                    default:
                        Errors.Add(At(justificationNode.Start, "justification must be 'required' or 'optional', not '" + justificationText + "'"));
                        break;
                }
            }

            return new ReviewSettings
            {
                Mode = mode,
                Approvers = Get(map, "approvers") is { } a ? Strings(a, "approvers") : [],
                Approvals = approvals,
                RequireJustification = justification,
                Timeout = Get(map, "timeout") is { } t ? Duration(t, "timeout", defaults.Timeout) : defaults.Timeout,
                Validity = Get(map, "validity") is { } v ? Duration(v, "validity", defaults.Validity) : defaults.Validity,
            };
        }

        /// <summary>A duration such as <c>90s</c>, <c>5m</c>, <c>2h</c> or <c>1d</c>: at least a second, at most 30 days.</summary>
        private TimeSpan Duration(YamlNode node, string what, TimeSpan fallback)
        {
            string? text = Scalar(node, what);
            if (text is { Length: >= 2 }
                && long.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long amount)
                && amount is > 0 and <= 2_592_000)
            {
                TimeSpan? value = text[^1] switch
                {
                    's' => TimeSpan.FromSeconds(amount),
                    'm' => TimeSpan.FromMinutes(amount),
                    'h' => TimeSpan.FromHours(amount),
                    'd' => TimeSpan.FromDays(amount),
                    _ => null,
                };
                if (value is { } duration && duration <= TimeSpan.FromDays(30))
                {
                    return duration;
                }
            }

            Errors.Add(At(node.Start, what + " must be a duration such as 90s, 5m, 2h or 1d (at most 30d), not '" + text + "'"));
            return fallback;
        }

        private RelationAccess Invalid(YamlNode node, string message)
        {
            Errors.Add(At(node.Start, message));
            return RelationAccess.ReadWrite;
        }

        private StatementKind Kinds(YamlNode node)
        {
            StatementKind kinds = StatementKind.None;
            foreach ((string name, YamlNode item) in StringItems(node, "statement kinds"))
            {
                if (KindNames.TryParse(name, out StatementKind kind))
                {
                    kinds |= kind;
                }
                else
                {
                    Errors.Add(At(item.Start, "unknown statement kind '" + name + "' (known: all, " + string.Join(", ", KindNames.All) + ")"));
                }
            }

            return kinds;
        }

        private List<TablePattern> Tables(YamlNode node, string what)
        {
            var patterns = new List<TablePattern>();
            foreach ((string text, YamlNode item) in StringItems(node, what))
            {
                if (text.Length == 0 || text.StartsWith('.') || text.EndsWith('.'))
                {
                    Errors.Add(At(item.Start, "'" + text + "' is not a table pattern (schema.table, with * as wildcard)"));
                    continue;
                }

                patterns.Add(new TablePattern(text));
            }

            return patterns;
        }

        private List<ColumnPattern> Columns(YamlNode node, string what)
        {
            var patterns = new List<ColumnPattern>();
            foreach ((string text, YamlNode item) in StringItems(node, what))
            {
                if (ColumnPattern.TryParse(text) is { } pattern)
                {
                    patterns.Add(pattern);
                }
                else
                {
                    Errors.Add(At(item.Start, "'" + text + "' is not a column pattern (schema.table.column, with * as wildcard)"));
                }
            }

            return patterns;
        }

        private List<string> Strings(YamlNode node, string what) => StringItems(node, what).Select(i => i.Text).ToList();

        private List<(string Text, YamlNode Node)> StringItems(YamlNode node, string what)
        {
            var items = new List<(string, YamlNode)>();
            if (node is YamlSequenceNode sequence)
            {
                foreach (YamlNode item in sequence.Children)
                {
                    if (Scalar(item, what) is { } text)
                    {
                        items.Add((text, item));
                    }
                }
            }
            else if (node is YamlScalarNode scalar && scalar.Value is { } single)
            {
                items.Add((single, node));
            }
            else
            {
                Errors.Add(At(node.Start, what + " must be a list of names"));
            }

            return items;
        }

        private string? Required(YamlMappingNode map, string key, string what)
        {
            if (Get(map, key) is not { } node)
            {
                Errors.Add(At(map.Start, what + " needs '" + key + "'"));
                return null;
            }

            string? value = Scalar(node, key);
            if (string.IsNullOrWhiteSpace(value))
            {
                Errors.Add(At(node.Start, "'" + key + "' must not be empty"));
                return null;
            }

            return value;
        }

        private string? Scalar(YamlNode node, string what)
        {
            if (node is YamlScalarNode scalar)
            {
                return scalar.Value ?? "";
            }

            Errors.Add(At(node.Start, what + " must be a single value"));
            return null;
        }

        private void CheckKeys(YamlMappingNode map, string[] known, string what)
        {
            foreach (YamlNode key in map.Children.Keys)
            {
                string name = (key as YamlScalarNode)?.Value ?? "";
                if (!known.Contains(name, StringComparer.Ordinal))
                {
                    Errors.Add(At(key.Start, "unknown key '" + name + "' in " + what + " (expected one of: " + string.Join(", ", known) + ")"));
                }
            }
        }

        private static YamlNode? Get(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) ? value : null;
    }
}
