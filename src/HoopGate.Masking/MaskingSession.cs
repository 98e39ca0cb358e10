using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using HoopGate.Masking.Catalog;
using HoopGate.Policy;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Sql;

namespace HoopGate.Masking;

/// <summary>
/// One session's masking: its database's catalog snapshot under the policy in force, the session's unmask grants, the
/// cursors and SQL-level prepared statements it declared (their results come back through FETCH and EXECUTE), and the
/// decisions made from them — statements refused for filtering by a masked column or copying one out, a
/// <see cref="ResultPlan"/> per RowDescription, scrubbed error and notice texts. The client→server pump updates it;
/// the server→client pump reads it.
/// </summary>
public sealed class MaskingSession
{
    /// <summary>Rule name of a refusal for filtering, joining, grouping or sorting by a masked column.</summary>
    public const string MaskedPredicateRule = "masked-predicate";

    /// <summary>Rule name of a refusal of a function that would keep a masked value in session state (set_config, large objects, NOTIFY).</summary>
    public const string MaskedSideChannelRule = "masked-side-channel";

    private static readonly HashSet<string> s_parkingFunctions = new(StringComparer.Ordinal)
    {
        "set_config", "pg_notify", "lo_from_bytea", "lo_put", "lowrite", "lo_import", "lo_export", "pg_logical_emit_message",
        // An object, a lock or a position whose number or key is the value, read back from the catalog or pg_locks later.
        "lo_create", "lo_creat", "lo_truncate", "lo_truncate64", "lo_lseek", "lo_lseek64",
        "pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared",
        "pg_try_advisory_lock", "pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
        // Session state a later statement reads back: a sequence's value, the random generator's seed.
        "setval", "setseed",
        // Time the client measures: pg_sleep(substr(ssn, 1, 2)::int / 100.0) answers two digits per statement.
        "pg_sleep", "pg_sleep_for", "pg_sleep_until",
    };

    /// <summary>Rule name of a refusal of COPY TO of masked columns.</summary>
    public const string MaskedCopyRule = "masked-copy";

    private static readonly MaskRule s_scan = new("scan", MaskMethod.Detect);

    private const string HiddenDetail = "[detail hidden by HoopGate: it can hold protected values]";
    private const string HiddenNotice = "[message hidden by HoopGate: the statement reads masked columns]";
    private const string HiddenError = "[error message hidden by HoopGate: the statement reads masked columns, and the message could quote a value] (SQLSTATE ";

    private readonly CatalogCache _catalog;
    private readonly string _database;
    private readonly Lock _gate = new();
    private readonly Names _cursors = new();
    private readonly Names _prepared = new();
    private StatementInfo?[]? _uses;
    private readonly ConditionalWeakTable<StatementInfo, LineageResolver> _resolvers = new();
    private readonly ConditionalWeakTable<StatementInfo, LineageResolver> _protectedResolvers = new();
    private volatile State? _state;
    private long _unknownSeenAt;

    // A statement named a relation the snapshot does not have: read the catalog (at most once a second) before it runs.
    private volatile bool _namesMissing;

    // DDL went upstream: once its transaction ends, other sessions must not trust the snapshot either.
    private volatile bool _schemaChanged;

    /// <summary>Creates a session's masking over a database's catalog.</summary>
    public MaskingSession(CatalogCache catalog, string database, PseudonymKey key)
    {
        _catalog = catalog;
        _database = database;
        Key = key;
    }

    /// <summary>The pseudonym key.</summary>
    public PseudonymKey Key { get; }

    /// <summary>True when the catalog should be read again before the next statement goes upstream.</summary>
    public bool NeedsRefresh => _state is null || _namesMissing || _catalog.NeedsRefresh(_database);

    /// <summary>Reads (or waits for) a fresh catalog snapshot.</summary>
    /// <exception cref="CatalogUnavailableException">The catalog cannot be read.</exception>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset notBefore = _namesMissing ? DateTimeOffset.UtcNow.AddSeconds(-1) : DateTimeOffset.MinValue;
        _namesMissing = false;
        CatalogSnapshot snapshot = await _catalog.GetAsync(_database, notBefore, cancellationToken);
        State? state = _state;
        if (state is null || !ReferenceEquals(state.Catalog, snapshot))
        {
            _state = new State(snapshot, state?.Rules);
        }
    }

    /// <summary>Uses a snapshot as it is (tests).</summary>
    internal void Use(CatalogSnapshot snapshot) => _state = new State(snapshot, _state?.Rules);

    /// <summary>Marks the catalog stale: DDL went through this session.</summary>
    public void OnSchemaChange()
    {
        _schemaChanged = true;
        _catalog.Invalidate(_database);
    }

    /// <summary>The server said the session is idle: DDL seen since is committed (or rolled back), so the catalog is re-read.</summary>
    public void OnIdle()
    {
        if (_schemaChanged)
        {
            _schemaChanged = false;
            _catalog.Invalidate(_database);
        }
    }

    /// <summary>
    /// Judges a statement policy allowed, for masking: refuses predicates on masked columns (when the policy says so) and
    /// COPY TO of masked columns; remembers DECLARE and PREPARE for later FETCH and EXECUTE. Null when it may run.
    /// </summary>
    /// <param name="analysis">The SQL string.</param>
    /// <param name="rules">The session's rules.</param>
    /// <param name="answered">
    /// True for a Query, whose statements the server answers one by one (<see cref="Completed"/> follows); false for a
    /// Parse, whose DECLARE or PREPARE may run any number of times later: its names become unknown for good.
    /// </param>
    public PolicyDecision? Check(SqlAnalysis analysis, SessionPolicy rules, bool answered = true)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(rules);
        State state = Current(rules);
        _uses = null;
        IReadOnlyList<StatementInfo> statements = analysis.Statements;
        for (int s = 0; s < statements.Count; s++)
        {
            // Indexed loops: this runs for every statement, and an interface foreach allocates its enumerator.
            StatementInfo statement = statements[s];
            if ((statement.Kind & StatementKind.Ddl) != 0)
            {
                OnSchemaChange();
            }

            IReadOnlyList<RelationReference> relations = statement.Relations;
            for (int r = 0; r < relations.Count; r++)
            {
                if (!state.Catalog.Contains(relations[r].Schema, relations[r].Name))
                {
                    _namesMissing = true;
                }
            }

            LineageResolver resolver = Resolver(state, statement);
            // COPY (query) TO runs when the query reads nothing masked; COPY table TO in text or CSV is masked
            // row by row, and refused when it cannot be (binary, another encoding, an option the gateway does not parse).
            if (statement.Copy is { IsFrom: false, Target: CopyTarget.Client } copy)
            {
                // COPY (query) has no RowDescription to trace its columns by, so it runs only over relations with nothing
                // masked for the session (no lineage blind spot can then matter).
                string? refusal = statement.Lineage.Results is not null || resolver.Tainted
                    ? (resolver.Tainted || TouchesMasked(state, statement)
                        ? "COPY of a query over a table with columns your groups see masked cannot be masked; use COPY table (columns) or SELECT"
                        : null)
                    : CopyTable(state, statement, copy, out _);
                if (refusal is not null)
                {
                    return PolicyDecision.Deny(MaskedCopyRule, refusal);
                }
            }

            // Functions that park a value where a later, clean statement can read it back.
            if (resolver.Tainted && ParksValues(statement) is { } parking)
            {
                return PolicyDecision.Deny(
                    MaskedSideChannelRule,
                    parking + " cannot be called in a statement that reads columns your groups see masked (it would keep the value for a later statement, or answer it by timing)");
            }

            if (state.Rules!.Snapshot.Masking.RefusePredicates)
            {
                if (resolver.FirstMaskedPredicate is { } source)
                {
                    return PolicyDecision.Deny(
                        MaskedPredicateRule,
                        "the statement filters, joins, groups or sorts by " + source + ", which your groups see masked (the result would reveal it by counting)");
                }
            }
        }

        // It runs: what each FETCH or EXECUTE reads is fixed now, in order with the names the string itself changes.
        for (int s = 0; s < statements.Count; s++)
        {
            StatementInfo statement = statements[s];
            if (ReadsName(statement))
            {
                (_uses ??= new StatementInfo?[statements.Count])[s] = Resolve(statement);
            }

            Begin(statement, answered);
        }

        return null;
    }

    /// <summary>
    /// For the Query just checked: per statement, what each FETCH and EXECUTE reads (resolved when it was sent); null
    /// when it has none. Taken once.
    /// </summary>
    public IReadOnlyList<StatementInfo?>? TakeUses()
    {
        StatementInfo?[]? uses = _uses;
        _uses = null;
        return uses;
    }

    /// <summary>
    /// What a FETCH or EXECUTE reads, as the names stand now — after every statement sent before it, or unknown (null)
    /// while one that changes its name has not been answered; any other statement is its own. Call it when the
    /// statement is sent: by the time its answer comes, later statements may have changed the name.
    /// </summary>
    public StatementInfo? Resolve(StatementInfo? statement)
    {
        if (statement is null)
        {
            return null;
        }

        bool cursor = statement.CursorAction == NameAction.Use;
        if (!cursor && statement.PreparedAction != NameAction.Use)
        {
            return statement;
        }

        lock (_gate)
        {
            return (cursor ? _cursors : _prepared).Resolve(cursor ? statement.Lineage.CursorName : statement.Lineage.PreparedName);
        }
    }

    /// <summary>
    /// The server answered a statement of a checked Query (CommandComplete: <paramref name="ran"/>) or did not run it
    /// (an error, or skipped): its DECLARE, PREPARE, CLOSE, DEALLOCATE or DISCARD takes effect now, or its names stay
    /// unknown.
    /// </summary>
    public void Completed(StatementInfo statement, bool ran)
    {
        ArgumentNullException.ThrowIfNull(statement);
        NameAction cursorAction = statement.CursorAction, preparedAction = statement.PreparedAction;
        if (cursorAction is NameAction.None or NameAction.Use && preparedAction is NameAction.None or NameAction.Use)
        {
            return;
        }

        lock (_gate)
        {
            _cursors.Complete(cursorAction, statement.Lineage.CursorName, statement, ran);
            _prepared.Complete(preparedAction, statement.Lineage.PreparedName, statement, ran);
        }
    }

    /// <summary>
    /// A protocol-level name (a named Parse or Close of a statement, a named Bind or Close of a portal) shares its
    /// namespace with SQL's PREPARE and DECLARE: what SQL may reach under it is unknown from now on.
    /// </summary>
    public void ForgetName(bool portal, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            (portal ? _cursors : _prepared).Poison(name);
        }
    }

    /// <summary>An Execute runs a parsed DECLARE, PREPARE, CLOSE or DEALLOCATE (again): the names it changes are unknown from now on.</summary>
    public void ForgetNames(StatementInfo statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        Begin(statement, answered: false);
    }

    /// <summary>A checked Query will not run after all (refused after its check, or skipped): its names stay unknown.</summary>
    public void Abandon(SqlAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        for (int s = 0; s < analysis.Statements.Count; s++)
        {
            Completed(analysis.Statements[s], ran: false);
        }
    }

    /// <summary>
    /// The plan for a result: each column of the RowDescription (its body, after the header) traced to its table column,
    /// or, without one, through the statement's lineage.
    /// </summary>
    /// <param name="statement">The statement whose result it is; null when the gateway does not know it.</param>
    /// <param name="rowDescription">The RowDescription body.</param>
    public ResultPlan Plan(StatementInfo? statement, ReadOnlySpan<byte> rowDescription)
    {
        State? state = _state;
        if (state?.Rules is null)
        {
            return ResultPlan.Unknown;
        }

        if (rowDescription.Length < 2)
        {
            ThrowHelper.ThrowProtocolViolation("invalid RowDescription from the server");
        }

        int count = BinaryPrimitives.ReadInt16BigEndian(rowDescription);
        if (count < 0)
        {
            ThrowHelper.ThrowProtocolViolation("invalid RowDescription from the server");
        }

        if (statement is { IsExplain: true } && IsExplainOutput(rowDescription, count))
        {
            // EXPLAIN's output is the plan's text, not rows.
            return ResultPlan.PassAll;
        }

        // A FETCH or EXECUTE is planned with what it read when it was sent (Resolve); handed over unresolved, it is unknown.
        statement = statement is not null && ReadsName(statement) || statement is { IsExplain: true } ? null : statement;
        ReadOnlySpan<byte> fields = rowDescription[2..];
        ColumnMask?[]? masks = null;
        short[]? formats = null;
        List<string>? masked = null, unmasked = null;
        LineageResolver? resolver = null;
        for (int i = 0; i < count; i++)
        {
            int nameEnd = fields.IndexOf((byte)0);
            if (nameEnd < 0 || fields.Length < nameEnd + 19)
            {
                ThrowHelper.ThrowProtocolViolation("invalid RowDescription from the server");
            }

            ReadOnlySpan<byte> field = fields[(nameEnd + 1)..];
            uint tableOid = BinaryPrimitives.ReadUInt32BigEndian(field);
            short attribute = BinaryPrimitives.ReadInt16BigEndian(field[4..]);
            uint typeOid = BinaryPrimitives.ReadUInt32BigEndian(field[6..]);
            short format = BinaryPrimitives.ReadInt16BigEndian(field[16..]);
            fields = field[18..];

            ColumnProtection? protection;
            string origin;
            bool stored = false;
            if (tableOid != 0)
            {
                CatalogRelation? relation = state.Catalog.Find(tableOid);
                if (relation is null || (attribute > 0 && relation.Column(attribute) is null))
                {
                    // A relation the snapshot does not know (created since), or a column it does not (added since): masked
                    // until the catalog is read again.
                    OnUnknownRelation();
                    protection = new ColumnProtection(state.Protections.Policy.Expressions, [new ColumnSource("?", "relation " + tableOid.ToString(System.Globalization.CultureInfo.InvariantCulture), "?")]);
                    origin = "(unknown relation)";
                }
                else if (attribute == 0)
                {
                    // A whole row (SELECT p FROM patients p): protected if any of its columns is.
                    protection = state.Protections.WholeRow(tableOid);
                    origin = relation + ".*";
                }
                else
                {
                    // A view's column may be an expression over a masked one: only a table's NULL is the stored value's.
                    stored = !relation.IsView;
                    protection = state.Protections.Get(tableOid, attribute);
                    origin = protection is null ? "" : relation + "." + (relation.Column(attribute)?.Name ?? "?");
                    if (protection is null && state.Protections.Policy.Scan.Count > 0 && ScanMask(state, relation, relation.Column(attribute), typeOid) is { } scan)
                    {
                        masks ??= new ColumnMask?[count];
                        formats ??= new short[count];
                        masks[i] = scan;
                        formats[i] = format;
                        (masked ??= []).Add(scan.Description);
                        continue;
                    }
                }
            }
            else if (statement is null)
            {
                protection = state.Protections.Policy.Expressions is { } rule ? new ColumnProtection(rule, [new ColumnSource("?", "?", "?")]) : null;
                origin = "(unknown statement)";
            }
            else
            {
                resolver ??= Resolver(state, statement);
                protection = resolver.ForResult(i, count);
                if (protection is null && state.Rules.HasUnmaskGrants)
                {
                    // Clean for this session because it may unmask what the value derives from: that is still protected data
                    // returned raw, and the audit record says so.
                    protection = ProtectedResolver(state, statement).ForResult(i, count);
                }

                origin = protection is null ? "" : "(expression over " + string.Join(", ", protection.Sources) + ")";
            }

            if (protection is null)
            {
                continue;
            }

            if (protection.IsUnmaskedFor(state.Rules))
            {
                (unmasked ??= []).Add(origin);
                continue;
            }

            masks ??= new ColumnMask?[count];
            formats ??= new short[count];
            // A stored column's NULL is the stored value's; anything else (an expression, a whole row, an unknown column)
            // could be NULL because of the masked value — nullif(substr(ssn, 1, 1), '0') — so its NULLs are masked too.
            masks[i] = Mask(state, protection.Rule, typeOid, origin) with { HidesNull = !stored };
            formats[i] = format;
            (masked ??= []).Add(masks[i]!.Description);
        }

        if (masks is null)
        {
            return unmasked is null ? ResultPlan.PassAll : new ResultPlan(new ColumnMask?[count], new short[count], [], unmasked);
        }

        return new ResultPlan(masks, formats!, masked!, (IReadOnlyList<string>?)unmasked ?? []);
    }

    /// <summary>The plan of a COPY … TO STDOUT's rows (null: nothing to mask; the statement was checked when it was sent).</summary>
    public CopyPlan? PlanCopy(StatementInfo? statement)
    {
        State? state = _state;
        if (state?.Rules is null || statement?.Copy is not { IsFrom: false } copy || statement.Lineage.Results is not null)
        {
            return null;
        }

        if (CopyTable(state, statement, copy, out CopyPlan? plan) is not null)
        {
            // Allowed when sent, not maskable now (the catalog changed in between): the session ends rather than pass it.
            ThrowHelper.ThrowProtocolViolation("a COPY the gateway cannot mask is running; the session ends");
        }

        return plan;
    }

    /// <summary>Plans COPY table TO STDOUT; returns why it cannot be masked, or null (with the plan, null when nothing is masked).</summary>
    private string? CopyTable(State state, StatementInfo statement, CopyInfo copy, out CopyPlan? plan)
    {
        plan = null;
        if (statement.Relations.Count != 1)
        {
            return TouchesMasked(state, statement) ? "COPY of this relation cannot be masked; use SELECT" : null;
        }

        RelationReference reference = statement.Relations[0];
        var relations = state.Catalog.Resolve(reference.Schema, reference.Name).ToList();
        if (relations.Count != 1)
        {
            // Unknown, or an unqualified name that several schemas have: the gateway cannot tell which one is copied.
            return TouchesMasked(state, statement) ? "COPY of a relation the gateway cannot resolve is refused; qualify its name" : null;
        }

        CatalogRelation relation = relations[0];
        var columns = new List<CatalogColumn>();
        if (copy.Columns is { } names)
        {
            foreach (string name in names)
            {
                if (relation.Column(name) is not { } column)
                {
                    // A column the snapshot does not know (added since): refused until the catalog is read again.
                    return "COPY names a column the gateway does not know yet; try again";
                }

                columns.Add(column);
            }
        }
        else
        {
            columns.AddRange(relation.Columns.Where(c => !c.Generated));
        }

        var masks = new ColumnMask?[columns.Count];
        var masked = new List<string>();
        for (int i = 0; i < columns.Count; i++)
        {
            if (state.Protections.Get(relation.Oid, columns[i].Number) is { } protection && !protection.IsUnmaskedFor(state.Rules!))
            {
                masks[i] = Mask(state, protection.Rule, columns[i].TypeOid, relation + "." + columns[i].Name);
                masked.Add(masks[i]!.Description);
            }
            else if (ScanMask(state, relation, columns[i], columns[i].TypeOid) is { } scan)
            {
                masks[i] = scan;
                masked.Add(scan.Description);
            }
        }

        if (masked.Count == 0)
        {
            return null;
        }

        IReadOnlyDictionary<string, string> options = copy.Options;
        string format = options.GetValueOrDefault("format", "text").ToLowerInvariant();
        foreach (string option in options.Keys)
        {
            if (option is not ("format" or "delimiter" or "null" or "header" or "quote" or "escape" or "force_quote"))
            {
                return "COPY with option " + option + " cannot be masked; use SELECT, whose results are masked";
            }
        }

        bool csv = format == "csv";
        if (!csv && format != "text")
        {
            return "COPY in " + format + " format cannot be masked; use text or CSV, or SELECT";
        }

        if (!csv && options.ContainsKey("null"))
        {
            // In text format a value equal to a custom NULL string cannot be told from NULL (and would pass unmasked).
            return "COPY in text format with a NULL string cannot be masked; use CSV, or SELECT";
        }

        string delimiter = options.GetValueOrDefault("delimiter", csv ? "," : "\t");
        string quote = options.GetValueOrDefault("quote", "\"");
        string escape = options.GetValueOrDefault("escape", quote);
        if (Encoding.UTF8.GetByteCount(delimiter) != 1 || Encoding.UTF8.GetByteCount(quote) != 1 || Encoding.UTF8.GetByteCount(escape) != 1)
        {
            return "COPY with a multi-byte delimiter, quote or escape cannot be masked";
        }

        bool header = options.GetValueOrDefault("header", "false").ToLowerInvariant() is "true" or "on" or "1" or "match";
        plan = new CopyPlan(masks, csv, (byte)delimiter[0], options.GetValueOrDefault("null", csv ? "" : "\\N"), (byte)quote[0], (byte)escape[0], header, masked);
        return null;
    }

    /// <summary>An error or notice with protected values taken out; the same instance when nothing changed.</summary>
    /// <param name="message">The server's ErrorResponse or NoticeResponse.</param>
    /// <param name="statement">The statement it answers, when known.</param>
    public ErrorResponse Scrub(ErrorResponse message, StatementInfo? statement)
    {
        ArgumentNullException.ThrowIfNull(message);
        State? state = _state;
        IReadOnlyList<ContentDetector> detectors = state?.Rules?.Snapshot.Masking.Detectors ?? [];
        // FETCH and EXECUTE fail inside the query they run: judge by that one (unknown: assume the worst).
        StatementInfo? source = statement is not null && ReadsName(statement) ? null : statement;
        bool touchesMasked = state?.Rules is null || source is null || Resolver(state, source) is { Tainted: true } or { ReadsMasked: true };
        string? sqlState = message.SqlState;
        // Data exceptions (22), integrity (23) and WITH CHECK OPTION (44) violations describe the offending row or value.
        bool dataError = sqlState is not null
            && (sqlState.StartsWith("22", StringComparison.Ordinal) || sqlState.StartsWith("23", StringComparison.Ordinal) || sqlState.StartsWith("44", StringComparison.Ordinal));
        bool userText = sqlState is "P0001" or "00000" or "01000" || (message[ErrorFieldCode.Where]?.Contains("PL/pgSQL", StringComparison.Ordinal) ?? false);

        // An error raised while the statement runs (no cursor position into its text) can spell out a value it computed
        // anywhere in its message — "date field value out of range: 2000-13-900126789", "large object 900126789 does not
        // exist" — so only those of a few classes whose messages are fixed texts keep theirs: cancellation (57),
        // transaction rollback (40), transaction state (25), resources (53), connection (08), permission (42501).
        bool runtime = message[ErrorFieldCode.Position] is null;
        bool fixedText = sqlState is null or "42501" || sqlState.StartsWith("57", StringComparison.Ordinal) || sqlState.StartsWith("40", StringComparison.Ordinal)
            || sqlState.StartsWith("25", StringComparison.Ordinal) || sqlState.StartsWith("53", StringComparison.Ordinal) || sqlState.StartsWith("08", StringComparison.Ordinal);
        bool changed = false;
        var fields = new List<KeyValuePair<ErrorFieldCode, string>>(message.Fields.Count);
        foreach (KeyValuePair<ErrorFieldCode, string> field in message.Fields)
        {
            string value = field.Value;
            switch (field.Key)
            {
                case ErrorFieldCode.Message when touchesMasked && userText:
                    value = HiddenNotice;
                    break;
                case ErrorFieldCode.Message when touchesMasked && runtime && !fixedText:
                    value = HiddenError + sqlState + ")";
                    break;
                case ErrorFieldCode.Detail or ErrorFieldCode.Hint or ErrorFieldCode.Where or ErrorFieldCode.InternalQuery when touchesMasked && runtime:
                    value = HiddenDetail;
                    break;
                case ErrorFieldCode.Message when touchesMasked:
                    // Messages quote the offending value: invalid input syntax for type integer: "900-12-6789", relation
                    // "900_12_6789" does not exist (a value cast to regclass)…
                    value = HideQuoted(value);
                    break;
                case ErrorFieldCode.Detail when touchesMasked && (dataError || userText):
                case ErrorFieldCode.Hint when touchesMasked && userText:
                    value = HiddenDetail;
                    break;
                case ErrorFieldCode.Detail or ErrorFieldCode.Hint when touchesMasked:
                    value = HideQuoted(value);
                    break;
            }

            if (field.Key is ErrorFieldCode.Message or ErrorFieldCode.Detail or ErrorFieldCode.Hint or ErrorFieldCode.Where or ErrorFieldCode.InternalQuery
                && detectors.Count > 0)
            {
                value = ContentScrubber.Scrub(value, detectors);
            }

            changed |= !ReferenceEquals(value, field.Value);
            fields.Add(new(field.Key, value));
        }

        return changed ? new ErrorResponse(fields) : message;
    }

    /// <summary>A notification payload with detected protected content replaced.</summary>
    public string ScrubPayload(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        IReadOnlyList<ContentDetector> detectors = _state?.Rules?.Snapshot.Masking.Detectors ?? [];
        return detectors.Count == 0 ? payload : ContentScrubber.Scrub(payload, detectors);
    }

    /// <summary>True when notification payloads are scanned.</summary>
    public bool ScrubsPayloads => _state?.Rules?.Snapshot.Masking.Detectors.Count > 0;

    private State Current(SessionPolicy rules)
    {
        State state = _state ?? throw new InvalidOperationException("the catalog has not been read");
        if (!ReferenceEquals(state.Rules, rules))
        {
            _state = state = new State(state.Catalog, rules);
        }

        return state;
    }

    private LineageResolver Resolver(State state, StatementInfo statement)
    {
        // Cached per statement analysis (shared by every repetition of the same SQL) and per state.
        if (_resolvers.TryGetValue(statement, out LineageResolver? cached) && ReferenceEquals(cached.Tag, state))
        {
            return cached;
        }

        var resolver = new LineageResolver(statement, state.Catalog, state.Protections, p => !p.IsUnmaskedFor(state.Rules!)) { Tag = state };
        _resolvers.AddOrUpdate(statement, resolver);
        return resolver;
    }

    private LineageResolver ProtectedResolver(State state, StatementInfo statement)
    {
        if (_protectedResolvers.TryGetValue(statement, out LineageResolver? cached) && ReferenceEquals(cached.Tag, state.Protections))
        {
            return cached;
        }

        var resolver = new LineageResolver(statement, state.Catalog, state.Protections, static _ => true) { Tag = state.Protections };
        _protectedResolvers.AddOrUpdate(statement, resolver);
        return resolver;
    }

    /// <summary>How a column is masked by a rule; the audit record reads <c>origin:class</c>.</summary>
    private static ColumnMask Mask(State state, MaskRule rule, uint typeOid, string origin) =>
        new(rule, typeOid, origin + ":" + rule.Class) { Detectors = state.Protections.Policy.Detectors };

    /// <summary>For a column that is not protected but listed under <c>scan</c>: its text goes through the detectors.</summary>
    private static ColumnMask? ScanMask(State state, CatalogRelation relation, CatalogColumn? column, uint typeOid) =>
        column is not null && TypeOids.IsTextLike(typeOid) && state.Protections.Policy.IsScanned(relation.Schema, relation.Name, column.Name)
            ? Mask(state, s_scan, typeOid, relation + "." + column.Name)
            : null;

    private static string? ParksValues(StatementInfo statement)
    {
        foreach (FunctionReference function in statement.Functions)
        {
            if (function.Schema is null or "pg_catalog" && s_parkingFunctions.Contains(function.Name))
            {
                return function.Name;
            }
        }

        return null;
    }

    /// <summary>The statement reads a relation with a column the session sees masked (whether or not it selects it).</summary>
    private bool TouchesMasked(State state, StatementInfo statement) => Resolver(state, statement).ReadsMasked;

    private static bool ReadsName(StatementInfo statement) => statement.CursorAction == NameAction.Use || statement.PreparedAction == NameAction.Use;

    /// <summary>
    /// EXPLAIN's own result: one text, json or xml column of no table, named QUERY PLAN. Anything else under an EXPLAIN's
    /// name (a statement the gateway mistook for one) is planned as unknown.
    /// </summary>
    private static bool IsExplainOutput(ReadOnlySpan<byte> rowDescription, int count)
    {
        ReadOnlySpan<byte> field = rowDescription[2..];
        int nameEnd = field.IndexOf((byte)0);
        if (count != 1 || nameEnd < 0 || field.Length < nameEnd + 19 || !field[..nameEnd].SequenceEqual("QUERY PLAN"u8))
        {
            return false;
        }

        field = field[(nameEnd + 1)..];
        uint type = BinaryPrimitives.ReadUInt32BigEndian(field[6..]);
        return BinaryPrimitives.ReadUInt32BigEndian(field) == 0 && type is TypeOids.Text or 114 or 142;
    }

    /// <summary>A statement is sent: the names it defines or drops are unknown until the server answers it.</summary>
    private void Begin(StatementInfo statement, bool answered)
    {
        NameAction cursorAction = statement.CursorAction, preparedAction = statement.PreparedAction;
        if (cursorAction is NameAction.None or NameAction.Use && preparedAction is NameAction.None or NameAction.Use)
        {
            return;
        }

        lock (_gate)
        {
            _cursors.Begin(cursorAction, statement.Lineage.CursorName, answered);
            _prepared.Begin(preparedAction, statement.Lineage.PreparedName, answered);
        }
    }

    private void OnUnknownRelation()
    {
        // At most one catalog read every two seconds for unknown relations.
        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _unknownSeenAt) > 2000)
        {
            Interlocked.Exchange(ref _unknownSeenAt, now);
            _catalog.Invalidate(_database);
        }
    }

    private static string HideQuoted(string text)
    {
        // invalid input syntax for type integer: "123-45-6789" — the value is the quoted part.
        int open = text.IndexOf('"', StringComparison.Ordinal);
        if (open < 0)
        {
            return text;
        }

        int close = text.LastIndexOf('"');
        return close > open ? text[..(open + 1)] + "[REDACTED]" + text[close..] : text;
    }

    private sealed class State(CatalogSnapshot catalog, SessionPolicy? rules)
    {
        public CatalogSnapshot Catalog { get; } = catalog;

        public SessionPolicy? Rules { get; } = rules;

        public ProtectionMap Protections { get; } = catalog.Protections((rules?.Snapshot.Masking) ?? MaskingPolicy.Empty);
    }
}
