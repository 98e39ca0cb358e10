using System.Runtime.CompilerServices;
using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Masking.Catalog;

/// <summary>
/// Decides, for one statement, which of its result values can carry a masked value when the server gives them no
/// column of origin (expressions, set operations, functions, views' own expressions). Fail closed: a value is clean only
/// when the statement mentions no masked column at all, or when its own expression mentions only columns that are
/// provably not masked (plain table columns in a FROM of plain tables, no subquery, no function defined in the database).
/// <para>
/// "Masked" is up to the caller: for a session, a protected column it may not unmask; for a view's definition, any
/// protected column. Names are resolved conservatively: an unqualified table name stands for every table of that name
/// in any schema, an unqualified column for every column of that name among the statement's relations.
/// </para>
/// </summary>
internal sealed class LineageResolver
{
    /// <summary>Every table's system columns: p.ctid is a column, not attribute notation for a function.</summary>
    private static readonly HashSet<string> s_systemColumns = new(StringComparer.Ordinal) { "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid" };

    private readonly StatementLineage _lineage;
    private readonly MaskingPolicy _policy;
    private readonly CatalogSnapshot _catalog;

    // Masked columns of the statement's relations, by column name; relations with any masked column, by name and alias.
    private readonly Dictionary<string, List<ColumnProtection>> _maskedByName = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Alias, string Column), ColumnProtection> _renamed = [];
    private readonly Dictionary<string, List<CatalogRelation>> _relationsByAlias = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, List<(CatalogColumn Column, ColumnProtection Protection)>> _maskedByRelation = [];
    private readonly List<ColumnSource> _allSources = [];
    private readonly ProtectionMap _protections;
    private readonly Func<ColumnProtection, bool> _isMasked;

    public LineageResolver(StatementInfo statement, CatalogSnapshot catalog, ProtectionMap protections, Func<ColumnProtection, bool> isMasked)
    {
        _lineage = statement.Lineage;
        _policy = protections.Policy;
        _catalog = catalog;
        _protections = protections;
        _isMasked = isMasked;

        foreach (RelationReference reference in statement.Relations)
        {
            AddRelations(reference.Name, reference);
        }

        foreach ((string alias, IReadOnlyList<RelationReference> references) in _lineage.Aliases)
        {
            foreach (RelationReference reference in references)
            {
                AddRelations(alias, reference);
            }
        }

        // FROM patients AS t(a, b, c): t.c (or c) is the relation's third column, whatever its name.
        foreach ((string alias, IReadOnlyList<string> names) in _lineage.AliasColumns)
        {
            if (!_relationsByAlias.TryGetValue(alias, out List<CatalogRelation>? relations))
            {
                continue;
            }

            foreach (CatalogRelation relation in relations)
            {
                for (int i = 0; i < names.Count && i < relation.Columns.Count; i++)
                {
                    if (_protections.Get(relation.Oid, relation.Columns[i].Number) is { } protection && _isMasked(protection))
                    {
                        _renamed[(alias, names[i])] = protection;
                        AddMaskedName(names[i], protection);
                    }
                }
            }
        }

        foreach (FunctionReference function in statement.Functions)
        {
            if (IsOpaque(function))
            {
                UntrustedFunction = function;
                break;
            }
        }

        // v.f where f is no column of v but a function of the database: PostgreSQL calls f(v) (attribute notation).
        foreach (ColumnName reference in _lineage.References)
        {
            if (UntrustedFunction is null && AttributeNotationCall(reference) is { } call)
            {
                UntrustedFunction = call;
            }
        }

        Tainted = UntrustedFunction is not null || AnyMaskedReference(_lineage.References);
    }

    /// <summary>What the resolver was built for (its owner's cache key).</summary>
    public object? Tag { get; init; }

    /// <summary>The statement mentions a masked column (anywhere), a whole row of a table with one, or calls an untrusted function.</summary>
    public bool Tainted { get; }

    /// <summary>A relation the statement names has a masked column (selected or not).</summary>
    public bool ReadsMasked => _allSources.Count > 0;

    /// <summary>A function defined in the database, not trusted by the policy, that the statement calls.</summary>
    public FunctionReference? UntrustedFunction { get; }

    /// <summary>The first masked column the statement filters, joins, groups or sorts by, or null.</summary>
    public ColumnSource? FirstMaskedPredicate => (_firstPredicate ??= new StrongBox<ColumnSource?>(MaskedPredicates().FirstOrDefault())).Value;

    private StrongBox<ColumnSource?>? _firstPredicate;

    /// <summary>The masked columns the statement mentions in WHERE, JOIN, GROUP BY, HAVING, ORDER BY, DISTINCT ON or windows.</summary>
    public IEnumerable<ColumnSource> MaskedPredicates()
    {
        foreach (ColumnName reference in _lineage.PredicateReferences)
        {
            foreach (ColumnProtection protection in PredicateHits(reference))
            {
                foreach (ColumnSource source in protection.Sources)
                {
                    yield return source;
                }
            }
        }

        // ORDER BY 2, GROUP BY 1: the result column at that position.
        foreach (int position in _lineage.PredicatePositions)
        {
            foreach (ColumnProtection protection in OutputHits(position - 1))
            {
                foreach (ColumnSource source in protection.Sources)
                {
                    yield return source;
                }
            }
        }

        if (_lineage.NestedPredicatePositions && _allSources.Count > 0)
        {
            foreach (ColumnSource source in Whole().Sources)
            {
                yield return source;
            }
        }
    }

    /// <summary>
    /// A predicate's reference: as anywhere (<see cref="Hits"/>), and an unqualified name that is no table column — an
    /// output name (<c>ORDER BY s</c> of <c>ssn AS s</c>), a subquery's or CTE's column, a whole row of one — stands for
    /// what it was computed from: its result entry's columns, or, untraced, anything the statement reads.
    /// </summary>
    private IEnumerable<ColumnProtection> PredicateHits(ColumnName reference)
    {
        bool any = false;
        foreach (ColumnProtection protection in Hits(reference))
        {
            any = true;
            yield return protection;
        }

        if (any || reference.Qualifier is not null || reference.IsStar || !_lineage.DerivedNames.Contains(reference.Name) || _allSources.Count == 0)
        {
            yield break;
        }

        int output = -1;
        IReadOnlyList<ResultColumnSource>? results = _lineage.Results;
        for (int i = 0; results is not null && i < results.Count; i++)
        {
            if (results[i].Name == reference.Name)
            {
                output = output == -1 ? i : -2;
            }
        }

        foreach (ColumnProtection protection in output >= 0 ? OutputHits(output) : [Whole()])
        {
            yield return protection;
        }
    }

    /// <summary>What result entry <paramref name="index"/> may carry, for a predicate that names it by position or output name.</summary>
    private IEnumerable<ColumnProtection> OutputHits(int index)
    {
        IReadOnlyList<ResultColumnSource>? results = _lineage.Results;
        if (results is null || index < 0 || index >= results.Count || results[index] is { Star: not null } or { HasSubquery: true })
        {
            if (_allSources.Count > 0)
            {
                yield return Whole();
            }

            yield break;
        }

        foreach (ColumnName reference in results[index].References)
        {
            foreach (ColumnProtection protection in IsDerived(reference) && _allSources.Count > 0 ? [Whole()] : Hits(reference))
            {
                yield return protection;
            }
        }
    }

    /// <summary>
    /// How result column <paramref name="index"/> (in the statement's result list) must be masked when the server gives
    /// it no origin; null when it is provably clean.
    /// </summary>
    /// <param name="index">The column's position.</param>
    /// <param name="columnCount">How many columns the result has (when it differs from the result list, nothing maps).</param>
    public ColumnProtection? ForResult(int index, int columnCount = -1)
    {
        if (!Tainted)
        {
            return null;
        }

        IReadOnlyList<ResultColumnSource>? results = _lineage.Results;
        if (results is null || index < 0 || index >= results.Count || (columnCount >= 0 && columnCount != results.Count)
            || !_lineage.PlainSources || HasStar(results))
        {
            return Whole();
        }

        ResultColumnSource entry = results[index];
        if (entry.HasSubquery)
        {
            return Whole();
        }

        foreach (FunctionReference function in entry.Functions)
        {
            if (IsOpaque(function))
            {
                return Whole();
            }
        }

        foreach (ColumnName reference in entry.References)
        {
            if (AttributeNotationCall(reference) is not null)
            {
                return Whole();
            }
        }

        if (entry.IsPlainColumn && Resolve(entry.References[0]) is { } plain)
        {
            // A column of one known relation: its own protection (a view's column derives exactly from it).
            return _protections.Get(plain.Relation.Oid, plain.Column.Number) is { } own && _isMasked(own) ? own : null;
        }

        var sources = new List<ColumnSource>();
        foreach (ColumnName reference in entry.References)
        {
            if (IsDerived(reference))
            {
                return Whole();
            }

            foreach (ColumnProtection protection in Hits(reference))
            {
                sources.AddRange(protection.Sources);
            }
        }

        return sources.Count == 0 ? null : new ColumnProtection(_policy.Expressions, sources.Distinct().ToList());
    }

    /// <summary>The protection of a value that may derive from anything the statement reads.</summary>
    public ColumnProtection Whole()
    {
        if (_allSources.Count > 0)
        {
            return new ColumnProtection(_policy.Expressions, _allSources);
        }

        FunctionReference function = UntrustedFunction ?? new FunctionReference(null, "?");
        return new ColumnProtection(_policy.Expressions, [new ColumnSource(function.Schema ?? "*", "function", function.Name)]);
    }

    private void AddRelations(string name, RelationReference reference)
    {
        foreach (CatalogRelation relation in _catalog.Resolve(reference.Schema, reference.Name))
        {
            if (!_relationsByAlias.TryGetValue(name, out List<CatalogRelation>? list))
            {
                _relationsByAlias[name] = list = [];
            }

            if (!list.Contains(relation))
            {
                list.Add(relation);
            }

            if (_maskedByRelation.ContainsKey(relation.Oid) || !_protections.HasProtected(relation.Oid))
            {
                continue;
            }

            var masked = new List<(CatalogColumn, ColumnProtection)>();
            foreach (CatalogColumn column in relation.Columns)
            {
                if (_protections.Get(relation.Oid, column.Number) is { } protection && _isMasked(protection))
                {
                    masked.Add((column, protection));
                    AddMaskedName(column.Name, protection);
                    foreach (ColumnSource source in protection.Sources)
                    {
                        if (!_allSources.Contains(source))
                        {
                            _allSources.Add(source);
                        }
                    }
                }
            }

            _maskedByRelation[relation.Oid] = masked;
        }
    }

    private void AddMaskedName(string name, ColumnProtection protection)
    {
        if (!_maskedByName.TryGetValue(name, out List<ColumnProtection>? byName))
        {
            _maskedByName[name] = byName = [];
        }

        byName.Add(protection);
    }

    private bool AnyMaskedReference(IReadOnlyList<ColumnName> references)
    {
        foreach (ColumnName reference in references)
        {
            foreach (ColumnProtection _ in Hits(reference))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The masked columns a reference may stand for (several when the name is ambiguous; all of a relation for a whole row).</summary>
    private IEnumerable<ColumnProtection> Hits(ColumnName reference)
    {
        if (reference.Qualifier is null)
        {
            if (reference.IsStar)
            {
                foreach (List<(CatalogColumn, ColumnProtection Protection)> masked in _maskedByRelation.Values)
                {
                    foreach ((_, ColumnProtection protection) in masked)
                    {
                        yield return protection;
                    }
                }

                yield break;
            }

            if (_maskedByName.TryGetValue(reference.Name, out List<ColumnProtection>? byName))
            {
                foreach (ColumnProtection protection in byName)
                {
                    yield return protection;
                }
            }

            // A bare table name or alias is its whole row.
            foreach (ColumnProtection protection in WholeRow(reference.Name))
            {
                yield return protection;
            }

            yield break;
        }

        if (_renamed.TryGetValue((reference.Qualifier, reference.Name), out ColumnProtection? renamed))
        {
            yield return renamed;
            yield break;
        }

        if (_lineage.DerivedNames.Contains(reference.Qualifier))
        {
            // A subquery, function, join or renamed alias: what its columns hold is not traced.
            if (_allSources.Count > 0)
            {
                yield return Whole();
            }

            yield break;
        }

        if (_relationsByAlias.TryGetValue(reference.Qualifier, out List<CatalogRelation>? relations))
        {
            bool isColumn = reference.IsStar || s_systemColumns.Contains(reference.Name);
            foreach (CatalogRelation relation in relations)
            {
                isColumn |= relation.Column(reference.Name) is not null;
                if (!_maskedByRelation.TryGetValue(relation.Oid, out List<(CatalogColumn Column, ColumnProtection Protection)>? masked))
                {
                    continue;
                }

                foreach ((CatalogColumn column, ColumnProtection protection) in masked)
                {
                    if (reference.IsStar || column.Name == reference.Name)
                    {
                        yield return protection;
                    }
                }
            }

            if (!isColumn)
            {
                // p.f where f is no column of p is PostgreSQL's attribute notation for f(p): p.row_to_json, p.to_jsonb,
                // p.record_out, p.hstore hand the function the whole row, with every masked column in it.
                foreach (ColumnProtection protection in WholeRow(reference.Qualifier))
                {
                    yield return protection;
                }
            }

            yield break;
        }

        // schema.table.column, or a qualifier the statement does not name as a table (a CTE): by column name.
        if (reference.IsStar)
        {
            foreach (ColumnSource _ in _allSources)
            {
                yield return Whole();
                yield break;
            }

            yield break;
        }

        if (_maskedByName.TryGetValue(reference.Name, out List<ColumnProtection>? named))
        {
            foreach (ColumnProtection protection in named)
            {
                yield return protection;
            }
        }
    }

    private IEnumerable<ColumnProtection> WholeRow(string name)
    {
        if (!_relationsByAlias.TryGetValue(name, out List<CatalogRelation>? relations))
        {
            yield break;
        }

        foreach (CatalogRelation relation in relations)
        {
            if (_maskedByRelation.TryGetValue(relation.Oid, out List<(CatalogColumn, ColumnProtection Protection)>? masked))
            {
                foreach ((_, ColumnProtection protection) in masked)
                {
                    yield return protection;
                }
            }
        }
    }

    private (CatalogRelation Relation, CatalogColumn Column)? Resolve(ColumnName reference)
    {
        (CatalogRelation, CatalogColumn)? found = null;
        if (reference.Qualifier is not null)
        {
            if (!_relationsByAlias.TryGetValue(reference.Qualifier, out List<CatalogRelation>? relations) || relations.Count != 1)
            {
                return null;
            }

            return relations[0].Column(reference.Name) is { } column ? (relations[0], column) : null;
        }

        foreach (List<CatalogRelation> relations in _relationsByAlias.Values)
        {
            foreach (CatalogRelation relation in relations)
            {
                if (relation.Column(reference.Name) is { } column)
                {
                    if (found is { } f && f.Item1 != relation)
                    {
                        return null;
                    }

                    found = (relation, column);
                }
            }
        }

        return found;
    }

    /// <summary>For <c>q.f</c> where <c>q</c> is a relation without a column <c>f</c> and <c>f</c> is a function of the database: that call.</summary>
    private FunctionReference? AttributeNotationCall(ColumnName reference)
    {
        if (reference.Qualifier is null || reference.IsStar || !_relationsByAlias.TryGetValue(reference.Qualifier, out List<CatalogRelation>? relations))
        {
            return null;
        }

        foreach (CatalogRelation relation in relations)
        {
            if (relation.Column(reference.Name) is not null)
            {
                return null;
            }
        }

        var call = new FunctionReference(null, reference.Name);
        return IsOpaque(call) ? call : null;
    }

    private bool IsDerived(ColumnName reference) =>
        _lineage.DerivedNames.Contains(reference.Name) || (reference.Qualifier is not null && _lineage.DerivedNames.Contains(reference.Qualifier));

    private static bool HasStar(IReadOnlyList<ResultColumnSource> results)
    {
        foreach (ResultColumnSource result in results)
        {
            if (result.Star is not null)
            {
                return true;
            }
        }

        return false;
    }

    private bool IsOpaque(FunctionReference function)
    {
        if (_catalog.UserFunctionSchemas(function) is not { } schemas)
        {
            return false;
        }

        foreach (string schema in schemas)
        {
            if (!_policy.IsTrusted(schema, function.Name))
            {
                return true;
            }
        }

        return false;
    }
}
