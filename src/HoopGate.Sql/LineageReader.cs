using System.Text.Json;

namespace HoopGate.Sql;

/// <summary>
/// Reads a statement's <see cref="StatementLineage"/> from libpg_query's JSON tree: its result list, every column it
/// mentions (and which of them in predicates), and the names that stand for tables or for derived values.
/// </summary>
internal sealed class LineageReader
{
    // Clauses whose column references filter, group or order rows (a masked column there leaks by counting).
    private static readonly HashSet<string> s_predicateFields = new(StringComparer.Ordinal)
    {
        "whereClause", "havingClause", "groupClause", "sortClause", "quals", "distinctClause", "windowClause",
        "partitionClause", "orderClause", "usingClause", "joinUsingAlias", "onConflictClause", "mergeWhenClauses",

        // Row counts are answers too: functions in FROM (generate_series(1, CASE WHEN ssn …)), LIMIT and OFFSET.
        "functions", "limitCount", "limitOffset",

        // An aggregate's FILTER (WHERE …) counts too.
        "agg_filter",
    };

    private readonly List<ColumnName> _references = [];
    private readonly List<ColumnName> _predicates = [];
    private readonly Dictionary<string, IReadOnlyList<RelationReference>> _aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _aliasColumns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _derived = new(StringComparer.Ordinal);
    private readonly List<int> _positions = [];
    private bool _nestedPositions;
    private bool _keysByConstant;

    /// <summary>Reads the lineage of one statement (<paramref name="wrapperName"/> is the outermost node: EXPLAIN, DECLARE…).</summary>
    public static StatementLineage Read(string wrapperName, JsonElement wrapper, string name, JsonElement body)
    {
        string? cursor = wrapperName is "DeclareCursorStmt" or "FetchStmt" or "ClosePortalStmt" ? Text(wrapper, "portalname") : null;
        string? prepared = wrapperName is "PrepareStmt" or "ExecuteStmt" or "DeallocateStmt" ? Text(wrapper, "name") : null;
        if (name == "CopyStmt" && body.TryGetProperty("query", out JsonElement copied))
        {
            // COPY (query) TO: the query's lineage is the COPY's.
            foreach (JsonProperty inner in copied.EnumerateObject())
            {
                (name, body) = (inner.Name, inner.Value);
                break;
            }
        }

        if (name is not ("SelectStmt" or "InsertStmt" or "UpdateStmt" or "DeleteStmt" or "MergeStmt"))
        {
            return cursor is null && prepared is null
                ? StatementLineage.None
                : new StatementLineage(
                    null, [], [], new Dictionary<string, IReadOnlyList<RelationReference>>(), new Dictionary<string, IReadOnlyList<string>>(), new HashSet<string>(), true, cursor, prepared);
        }

        var reader = new LineageReader();
        reader.Walk(body, predicate: false, top: true);
        List<ResultColumnSource>? results = ReadResults(name, body);
        bool plain = reader.HasPlainSources(name, body);
        return new StatementLineage(results, reader._references, reader._predicates, reader._aliases, reader._aliasColumns, reader._derived, plain, cursor, prepared)
        {
            PredicatePositions = reader._positions,
            NestedPredicatePositions = reader._nestedPositions,
            KeysByConstant = reader._keysByConstant,
        };
    }

    /// <summary>
    /// One ORDER BY, GROUP BY or DISTINCT ON item: an integer constant names a result column by position, also inside
    /// ROLLUP, CUBE and GROUPING SETS. Whether a constant or a parameter is a position depends on its value (<c>$1</c> is an
    /// expression, <c>2</c> a column), so the statement's analysis must never be shared with other constants.
    /// </summary>
    private void ReadPositions(JsonElement key, bool top)
    {
        JsonElement node = key.TryGetProperty("SortBy", out JsonElement sortBy) && sortBy.TryGetProperty("node", out JsonElement inner) ? inner : key;
        if (node.TryGetProperty("GroupingSet", out JsonElement set))
        {
            if (set.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in content.EnumerateArray())
                {
                    ReadPositions(item, top);
                }
            }

            return;
        }

        if (node.TryGetProperty("RowExpr", out JsonElement row))
        {
            // (2, 3) inside a grouping set: each element is an item of its own.
            if (row.TryGetProperty("args", out JsonElement args) && args.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in args.EnumerateArray())
                {
                    ReadPositions(item, top);
                }
            }

            return;
        }

        if (node.TryGetProperty("ParamRef", out _) || node.TryGetProperty("A_Const", out _))
        {
            _keysByConstant = true;
        }

        if (node.TryGetProperty("A_Const", out JsonElement constant) && constant.TryGetProperty("ival", out JsonElement ival))
        {
            int position = ival.ValueKind == JsonValueKind.Object && ival.TryGetProperty("ival", out JsonElement number) ? number.GetInt32() : 0;
            if (top)
            {
                _positions.Add(position);
            }
            else
            {
                _nestedPositions = true;
            }
        }
    }

    private static List<ResultColumnSource>? ReadResults(string name, JsonElement body)
    {
        JsonElement list;
        if (name == "SelectStmt")
        {
            if (Text(body, "op") is { } op && op != "SETOP_NONE")
            {
                return null;
            }

            if (!body.TryGetProperty("targetList", out list))
            {
                return null;
            }
        }
        else if (!body.TryGetProperty("returningList", out list))
        {
            return null;
        }

        var results = new List<ResultColumnSource>();
        foreach (JsonElement item in list.EnumerateArray())
        {
            JsonElement target = item.TryGetProperty("ResTarget", out JsonElement t) ? t : item;
            if (!target.TryGetProperty("val", out JsonElement value))
            {
                return null;
            }

            if (value.TryGetProperty("A_Indirection", out JsonElement indirection) && EndsWithStar(indirection))
            {
                // (p).*, (f()).*: expands to several columns, like a star.
                results.Add(new ResultColumnSource(new ColumnName(null, "*"), [], [], false));
                continue;
            }

            string? outputName = Text(target, "name");
            if (value.TryGetProperty("ColumnRef", out JsonElement columnRef) && ReadColumnRef(columnRef) is { } column)
            {
                results.Add(column.IsStar
                    ? new ResultColumnSource(column, [], [], false)
                    : new ResultColumnSource(null, [column], [], false) { IsBare = true, Name = outputName });
                continue;
            }

            var expression = new ExpressionScan();
            expression.Scan(value);
            results.Add(new ResultColumnSource(null, expression.References, expression.Functions, expression.HasSubquery) { Name = outputName });
        }

        return results;
    }

    private bool HasPlainSources(string name, JsonElement body)
    {
        if (body.TryGetProperty("withClause", out _))
        {
            return false;
        }

        string field = name switch
        {
            "SelectStmt" => "fromClause",
            "UpdateStmt" => "fromClause",
            "DeleteStmt" => "usingClause",
            _ => "",
        };
        if (name == "MergeStmt" || (field.Length > 0 && body.TryGetProperty(field, out JsonElement from) && !AllTables(from)))
        {
            return false;
        }

        return true;
    }

    private bool AllTables(JsonElement from)
    {
        foreach (JsonElement item in from.EnumerateArray())
        {
            if (!IsTable(item))
            {
                return false;
            }
        }

        return true;
    }

    private bool IsTable(JsonElement item)
    {
        if (item.TryGetProperty("RangeVar", out JsonElement rangeVar))
        {
            return rangeVar.TryGetProperty("schemaname", out _) || !_derived.Contains(Text(rangeVar, "relname") ?? "");
        }

        if (item.TryGetProperty("JoinExpr", out JsonElement join))
        {
            return join.TryGetProperty("larg", out JsonElement l) && IsTable(l) && join.TryGetProperty("rarg", out JsonElement r) && IsTable(r);
        }

        return false;
    }

    private void Walk(JsonElement element, bool predicate, bool top = false)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Walk(item, predicate);
                }

                return;
            case JsonValueKind.Object:
                break;
            default:
                return;
        }

        if (element.TryGetProperty("relname", out JsonElement relname))
        {
            // A RangeVar: the relation answers to its name and to its alias.
            var relation = new RelationReference(Text(element, "schemaname"), relname.GetString() ?? "", RelationAccess.Read);
            AddAlias(relation.Name, relation);
            if (element.TryGetProperty("alias", out JsonElement alias) && Text(alias, "aliasname") is { } aliasName)
            {
                AddAlias(aliasName, relation);
                if (alias.TryGetProperty("colnames", out JsonElement colnames) && colnames.ValueKind == JsonValueKind.Array)
                {
                    // AS t(a, b, c): the first columns answer to new names; the same alias elsewhere cannot be told apart.
                    var names = new List<string>();
                    foreach (JsonElement colname in colnames.EnumerateArray())
                    {
                        names.Add(StringNode(colname) ?? "?");
                    }

                    if (!_aliasColumns.TryAdd(aliasName, names))
                    {
                        _derived.Add(aliasName);
                    }

                    foreach (string name in names)
                    {
                        _derived.Add(name);
                    }
                }
            }

            return;
        }

        // INTERSECT and EXCEPT compare the rows of both sides: every column either side returns is compared.
        bool compares = Text(element, "op") is "SETOP_INTERSECT" or "SETOP_EXCEPT";
        foreach (JsonProperty property in element.EnumerateObject())
        {
            JsonElement value = property.Value;
            switch (property.Name)
            {
                case "sortClause" or "groupClause" or "distinctClause" when value.ValueKind == JsonValueKind.Array:
                    // ORDER BY 2, GROUP BY 1, GROUP BY ROLLUP(1, (2, 3)): a result column by position.
                    foreach (JsonElement key in value.EnumerateArray())
                    {
                        ReadPositions(key, top);
                    }

                    break;
                case "JoinExpr" when value.TryGetProperty("isNatural", out JsonElement natural) && natural.ValueKind == JsonValueKind.True:
                    // NATURAL JOIN: equal on every column name both sides share — which the gateway does not know here.
                    _predicates.Add(new ColumnName(null, "*"));
                    if (value.TryGetProperty("alias", out JsonElement joinAlias))
                    {
                        AddDerived(joinAlias);
                    }

                    break;
                case "CaseWhen":
                    // CASE WHEN <condition>: a question about the value, answered by which branch runs (its result, or its
                    // error: CASE WHEN ssn LIKE '9%' THEN 1/0 END).
                    if (value.TryGetProperty("expr", out JsonElement condition))
                    {
                        Walk(condition, predicate: true);
                    }

                    if (value.TryGetProperty("result", out JsonElement branch))
                    {
                        Walk(branch, predicate);
                    }

                    continue;
                case "CaseExpr" when value.TryGetProperty("arg", out JsonElement tested):
                    // CASE ssn WHEN '…': the same question.
                    Walk(tested, predicate: true);
                    break;
                case "ColumnRef":
                    if (ReadColumnRef(value) is { } column)
                    {
                        _references.Add(column);
                        if (predicate)
                        {
                            _predicates.Add(column);
                        }
                    }

                    continue;
                case "RangeSubselect" or "RangeFunction" or "RangeTableFunc" or "RangeTableSample" or "JoinExpr":
                    if (value.TryGetProperty("alias", out JsonElement alias))
                    {
                        AddDerived(alias);
                    }

                    break;
                case "CommonTableExpr":
                    if (Text(value, "ctename") is { } cte)
                    {
                        _derived.Add(cte);
                    }

                    AddNames(value, "aliascolnames");
                    break;
                case "ResTarget":
                    // An output name given inside the statement: a reference to it elsewhere is to a derived value.
                    if (Text(value, "name") is { } outputName)
                    {
                        _derived.Add(outputName);
                    }

                    break;
                case "usingClause" when value.ValueKind == JsonValueKind.Array:
                    // JOIN … USING (id): the names are columns of both sides.
                    foreach (JsonElement joined in value.EnumerateArray())
                    {
                        if (StringNode(joined) is { } usingName)
                        {
                            _references.Add(new ColumnName(null, usingName));
                            _predicates.Add(new ColumnName(null, usingName));
                        }
                    }

                    continue;
            }

            Walk(value, predicate || s_predicateFields.Contains(property.Name) || (compares && property.Name is "larg" or "rarg"));
        }
    }

    private void AddAlias(string name, RelationReference relation)
    {
        if (!_aliases.TryGetValue(name, out IReadOnlyList<RelationReference>? list))
        {
            _aliases[name] = [relation];
        }
        else if (!list.Contains(relation))
        {
            _aliases[name] = [.. list, relation];
        }
    }

    private void AddDerived(JsonElement alias)
    {
        if (Text(alias, "aliasname") is { } name)
        {
            _derived.Add(name);
        }

        AddNames(alias, "colnames");
    }

    private void AddNames(JsonElement node, string field)
    {
        if (!node.TryGetProperty(field, out JsonElement names) || names.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (JsonElement item in names.EnumerateArray())
        {
            if (StringNode(item) is { } name)
            {
                _derived.Add(name);
            }
        }
    }

    private static bool EndsWithStar(JsonElement indirection)
    {
        if (!indirection.TryGetProperty("indirection", out JsonElement parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        bool star = false;
        foreach (JsonElement part in parts.EnumerateArray())
        {
            star = part.TryGetProperty("A_Star", out _);
        }

        return star;
    }

    /// <summary>A ColumnRef's fields: <c>[String…]</c>, the last possibly <c>A_Star</c>.</summary>
    internal static ColumnName? ReadColumnRef(JsonElement columnRef)
    {
        if (!columnRef.TryGetProperty("fields", out JsonElement fields) || fields.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? qualifier = null, last = null;
        foreach (JsonElement field in fields.EnumerateArray())
        {
            qualifier = last;
            last = field.TryGetProperty("A_Star", out _) ? "*" : StringNode(field);
        }

        return last is null ? null : new ColumnName(qualifier, last);
    }

    private static string? StringNode(JsonElement node) =>
        node.TryGetProperty("String", out JsonElement s) && s.TryGetProperty("sval", out JsonElement v) ? v.GetString() : null;

    private static string? Text(JsonElement node, string field) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Everything one result expression mentions.</summary>
    private sealed class ExpressionScan
    {
        public List<ColumnName> References { get; } = [];

        public List<FunctionReference> Functions { get; } = [];

        public bool HasSubquery { get; private set; }

        public void Scan(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Array:
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        Scan(item);
                    }

                    return;
                case JsonValueKind.Object:
                    break;
                default:
                    return;
            }

            if (element.TryGetProperty("funcname", out JsonElement funcname) && funcname.ValueKind == JsonValueKind.Array)
            {
                string? schema = null, name = null;
                foreach (JsonElement part in funcname.EnumerateArray())
                {
                    schema = name;
                    name = StringNode(part);
                }

                if (name is not null)
                {
                    Functions.Add(new FunctionReference(schema, name));
                }
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.Name == "ColumnRef")
                {
                    if (ReadColumnRef(property.Value) is { } column)
                    {
                        References.Add(column);
                    }

                    continue;
                }

                if (property.Name is "SubLink" or "relname")
                {
                    HasSubquery = true;
                }

                Scan(property.Value);
            }
        }
    }
}
