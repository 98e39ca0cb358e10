using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HoopGate.Sql;

/// <summary>
/// Reads libpg_query's JSON parse tree (PostgreSQL 15 node names) into <see cref="StatementInfo"/>. Runs once per
/// distinct SQL string, so it favours being obviously right over being fast.
/// <para>
/// Two shapes of the tree matter: a node held in a <c>Node*</c> field is wrapped (<c>{"RangeVar": {…}}</c>), one held
/// in a typed field is inlined (<c>"relation": {"relname": …}</c>). Relations and function calls are therefore
/// recognised by their fields (<c>relname</c>, <c>funcname</c>) wherever they are, so that no position in the tree
/// hides one. Common table expressions are scoped as PostgreSQL scopes them: a CTE name shadows an unqualified
/// relation only inside the statement that defines it (and, for non-recursive WITH, only in later CTEs).
/// </para>
/// </summary>
internal sealed class ParseTreeWalker
{
    private readonly List<RelationReference> _relations = [];
    private readonly List<FunctionReference> _functions = [];
    private readonly List<SettingChange> _settings = [];
    private StatementKind _kinds;
    private bool _unboundedWrite;

    /// <summary>Reads every statement of a parse result (<c>{"version":…, "stmts":[…]}</c>).</summary>
    public static List<StatementInfo> ReadStatements(JsonElement root)
    {
        var statements = new List<StatementInfo>();
        if (!root.TryGetProperty("stmts", out JsonElement stmts))
        {
            return statements;
        }

        foreach (JsonElement raw in stmts.EnumerateArray())
        {
            if (!raw.TryGetProperty("stmt", out JsonElement stmt))
            {
                continue;
            }

            statements.Add(new ParseTreeWalker().ReadStatement(stmt));
        }

        return statements;
    }

    /// <summary>Built-in functions that change stored data: large objects, sequences, index summaries, the WAL's message stream.</summary>
    private static readonly HashSet<string> s_writingFunctions = new(StringComparer.Ordinal)
    {
        "lo_from_bytea", "lo_create", "lo_creat", "lo_put", "lowrite", "lo_truncate", "lo_truncate64", "lo_unlink",
        "setval", "nextval",
        "brin_summarize_new_values", "brin_summarize_range", "brin_desummarize_range", "gin_clean_pending_list",
        "pg_logical_emit_message",
    };

    private StatementInfo ReadStatement(JsonElement wrapped)
    {
        (string name, JsonElement body) = Unwrap(wrapped);
        (string wrapperName, JsonElement wrapperBody) = (name, body);
        bool isExplain = false;

        // EXPLAIN [ANALYZE] runs (or plans) the statement it wraps; PREPARE stores one for EXECUTE; DECLARE CURSOR runs
        // one. Each is judged as the statement inside.
        while (name is "ExplainStmt" or "PrepareStmt" or "DeclareCursorStmt" && body.TryGetProperty("query", out JsonElement inner))
        {
            isExplain |= name == "ExplainStmt";
            (name, body) = Unwrap(inner);
        }

        (StatementKind kind, string command, RelationAccess access) = Classify(name, body);
        CopyInfo? copy = null;
        if (name == "CopyStmt")
        {
            copy = ReadCopy(body);
        }
        else
        {
            WalkNode(name, body, null, access);
        }

        if (name == "SelectStmt" && body.TryGetProperty("intoClause", out _))
        {
            kind = StatementKind.Ddl;
            command = "SELECT INTO";
        }

        _kinds |= kind;
        StatementLineage lineage = LineageReader.Read(wrapperName, wrapperBody, name, body);
        var executed = new List<string>();
        CollectExecutedNames(wrapped, executed);
        return new StatementInfo(kind, _kinds, command, _relations, _functions, _settings, copy, _unboundedWrite, isExplain)
        {
            Lineage = lineage,
            ExecutedNames = executed,
        };
    }

    /// <summary>Every SQL-prepared statement an EXECUTE runs, wherever it sits (EXPLAIN ANALYZE EXECUTE, CREATE TABLE AS EXECUTE).</summary>
    private static void CollectExecutedNames(JsonElement node, List<string> names)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in node.EnumerateObject())
                {
                    if (property.Name == "ExecuteStmt" && property.Value.TryGetProperty("name", out JsonElement name) && name.GetString() is { } text)
                    {
                        names.Add(text);
                    }

                    CollectExecutedNames(property.Value, names);
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in node.EnumerateArray())
                {
                    CollectExecutedNames(item, names);
                }

                break;
        }
    }

    // ---- Classification -------------------------------------------------------------------------------------------

    private static (StatementKind Kind, string Command, RelationAccess Access) Classify(string name, JsonElement body)
    {
        switch (name)
        {
            case "SelectStmt":
                return (StatementKind.Select, "SELECT", RelationAccess.Read);
            case "InsertStmt":
                return (StatementKind.Insert, "INSERT", RelationAccess.Read);
            case "UpdateStmt":
                return (StatementKind.Update, "UPDATE", RelationAccess.Read);
            case "DeleteStmt":
                return (StatementKind.Delete, "DELETE", RelationAccess.Read);
            case "MergeStmt":
                return (StatementKind.Merge, "MERGE", RelationAccess.Read);
            case "CopyStmt":
                return (StatementKind.Copy, "COPY", RelationAccess.Read);
            case "TransactionStmt" when Enum(body, "kind", "TRANS_STMT_") is var transaction:
                // COMMIT/ROLLBACK PREPARED finish any session's two-phase transaction (they all share the upstream role).
                return (transaction is "COMMIT_PREPARED" or "ROLLBACK_PREPARED" ? StatementKind.Ddl : StatementKind.Transaction, Words(transaction), RelationAccess.Read);
            case "ConstraintsSetStmt":
                return (StatementKind.Transaction, "SET CONSTRAINTS", RelationAccess.Read);
            case "VariableSetStmt":
                return (StatementKind.Set, Enum(body, "kind", "") is "VAR_RESET" or "VAR_RESET_ALL" ? "RESET" : "SET", RelationAccess.Read);
            case "VariableShowStmt":
                return (StatementKind.Show, "SHOW", RelationAccess.Read);
            case "CallStmt":
                return (StatementKind.Call, "CALL", RelationAccess.Read);
            case "DoStmt":
                return (StatementKind.Do, "DO", RelationAccess.Read);

            case "GrantStmt":
                return (StatementKind.Dcl, Bool(body, "is_grant") ? "GRANT" : "REVOKE", RelationAccess.Write);
            case "GrantRoleStmt":
                return (StatementKind.Dcl, Bool(body, "is_grant") ? "GRANT" : "REVOKE", RelationAccess.Write);
            case "CreateRoleStmt":
                return (StatementKind.Dcl, "CREATE ROLE", RelationAccess.Write);
            case "AlterRoleStmt" or "AlterRoleSetStmt":
                return (StatementKind.Dcl, "ALTER ROLE", RelationAccess.Write);
            case "DropRoleStmt":
                return (StatementKind.Dcl, "DROP ROLE", RelationAccess.Write);
            case "AlterDefaultPrivilegesStmt":
                return (StatementKind.Dcl, "ALTER DEFAULT PRIVILEGES", RelationAccess.Write);
            case "ReassignOwnedStmt":
                return (StatementKind.Dcl, "REASSIGN OWNED", RelationAccess.Write);
            case "DropOwnedStmt":
                return (StatementKind.Dcl, "DROP OWNED", RelationAccess.Write);

            case "ExecuteStmt":
                return (StatementKind.Utility, "EXECUTE", RelationAccess.Read);
            case "DeallocateStmt":
                return (StatementKind.Utility, "DEALLOCATE", RelationAccess.Read);
            case "FetchStmt":
                return (StatementKind.Utility, Bool(body, "ismove") ? "MOVE" : "FETCH", RelationAccess.Read);
            case "ClosePortalStmt":
                return (StatementKind.Utility, "CLOSE", RelationAccess.Read);
            case "ListenStmt":
                return (StatementKind.Utility, "LISTEN", RelationAccess.Read);
            case "UnlistenStmt":
                return (StatementKind.Utility, "UNLISTEN", RelationAccess.Read);
            case "NotifyStmt":
                return (StatementKind.Utility, "NOTIFY", RelationAccess.Read);
            case "DiscardStmt":
                return (StatementKind.Utility, "DISCARD", RelationAccess.Read);
            case "LockStmt":
                // Above ACCESS SHARE (mode 1) a lock blocks writers or readers: it needs write access to its tables.
                return (StatementKind.Utility, "LOCK TABLE",
                    body.TryGetProperty("mode", out JsonElement mode) && mode.ValueKind == JsonValueKind.Number && mode.GetInt32() <= 1 ? RelationAccess.Read : RelationAccess.Write);

            // Server-wide maintenance and administration: DDL, not the utility kind every session is usually granted.
            case "CheckPointStmt":
                return (StatementKind.Ddl, "CHECKPOINT", RelationAccess.Read);
            case "LoadStmt":
                return (StatementKind.Ddl, "LOAD", RelationAccess.Read);
            case "VacuumStmt":
                return (body.TryGetProperty("rels", out _) ? StatementKind.Utility : StatementKind.Ddl, Bool(body, "is_vacuumcmd") ? "VACUUM" : "ANALYZE", RelationAccess.Write);
            case "ClusterStmt":
                return (body.TryGetProperty("relation", out _) ? StatementKind.Utility : StatementKind.Ddl, "CLUSTER", RelationAccess.Write);
            case "ReindexStmt":
                return (Enum(body, "kind", "REINDEX_OBJECT_") is "INDEX" or "TABLE" ? StatementKind.Utility : StatementKind.Ddl, "REINDEX", RelationAccess.Write);

            case "DropStmt":
                return (StatementKind.Ddl, "DROP " + Words(Enum(body, "removeType", "OBJECT_")), RelationAccess.Write);
            case "TruncateStmt":
                return (StatementKind.Ddl, "TRUNCATE", RelationAccess.Write);
            case "CreateStmt":
                return (StatementKind.Ddl, "CREATE TABLE", RelationAccess.Write);
            case "CreateTableAsStmt":
                return (StatementKind.Ddl, Enum(body, "objtype", "") == "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS", RelationAccess.Write);
            case "ViewStmt":
                return (StatementKind.Ddl, "CREATE VIEW", RelationAccess.Write);
            case "IndexStmt":
                return (StatementKind.Ddl, "CREATE INDEX", RelationAccess.Write);
            case "AlterTableStmt":
                return (StatementKind.Ddl, "ALTER " + Words(Enum(body, "objtype", "OBJECT_")), RelationAccess.Write);
            case "RenameStmt":
                return (StatementKind.Ddl, "ALTER " + Words(Enum(body, "renameType", "OBJECT_")), RelationAccess.Write);
            case "DefineStmt":
                return (StatementKind.Ddl, "CREATE " + Words(Enum(body, "kind", "OBJECT_")), RelationAccess.Write);
            case "RefreshMatViewStmt":
                return (StatementKind.Ddl, "REFRESH MATERIALIZED VIEW", RelationAccess.Write);
            case "CreatedbStmt":
                return (StatementKind.Ddl, "CREATE DATABASE", RelationAccess.Write);
            case "DropdbStmt":
                return (StatementKind.Ddl, "DROP DATABASE", RelationAccess.Write);
            default:
                // Everything else changes the schema or the server (CREATE FUNCTION, ALTER SYSTEM, CREATE EXTENSION…);
                // an unknown node is treated as the most restricted kind.
                return (StatementKind.Ddl, CommandFromNodeName(name), RelationAccess.Write);
        }
    }

    // ---- The walk -------------------------------------------------------------------------------------------------

    private void WalkNode(string name, JsonElement body, CteScope? scope, RelationAccess access)
    {
        switch (name)
        {
            case "SelectStmt":
                WalkSelect(body, scope);
                return;
            case "InsertStmt":
            case "UpdateStmt":
            case "DeleteStmt":
            case "MergeStmt":
                WalkDataModifying(name, body, scope);
                return;
            case "DropStmt":
                ReadDroppedRelations(body);
                return;
            case "VariableSetStmt":
                ReadVariableSet(body);
                WalkObject(body, scope, access);
                return;
            default:
                WalkObject(body, scope, access);
                return;
        }
    }

    private void WalkValue(JsonElement value, CteScope? scope, RelationAccess access)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            WalkObject(value, scope, access);
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in value.EnumerateArray())
            {
                WalkValue(item, scope, access);
            }
        }
    }

    private void WalkObject(JsonElement obj, CteScope? scope, RelationAccess access)
    {
        if (obj.TryGetProperty("relname", out _))
        {
            // A RangeVar: nothing below it names another relation.
            RecordRelation(obj, access, scope);
            return;
        }

        if (obj.TryGetProperty("funcname", out JsonElement funcname))
        {
            RecordFunction(funcname, obj);
        }

        if (obj.TryGetProperty("setstmt", out JsonElement setStatement) && setStatement.ValueKind == JsonValueKind.Object)
        {
            // ALTER ROLE/DATABASE … SET and ALTER SYSTEM hold their SET inline, without the VariableSetStmt wrapper.
            ReadVariableSet(setStatement);
        }

        foreach (JsonProperty property in obj.EnumerateObject())
        {
            if (IsNodeName(property.Name) && property.Value.ValueKind == JsonValueKind.Object)
            {
                WalkNode(property.Name, property.Value, scope, access);
            }
            else
            {
                WalkValue(property.Value, scope, access);
            }
        }
    }

    private void WalkSelect(JsonElement body, CteScope? scope)
    {
        scope = WalkWith(body, scope);
        if (body.TryGetProperty("intoClause", out JsonElement into) && into.TryGetProperty("rel", out JsonElement rel))
        {
            // SELECT … INTO creates a table.
            _kinds |= StatementKind.Ddl;
            RecordRelation(rel, RelationAccess.Write, null);
        }

        if (body.TryGetProperty("lockingClause", out _))
        {
            // SELECT … FOR UPDATE/SHARE holds row locks against every other session's writes: it needs the update kind.
            _kinds |= StatementKind.Update;
        }

        foreach (JsonProperty property in body.EnumerateObject())
        {
            switch (property.Name)
            {
                case "withClause":
                case "intoClause":
                    break;
                case "larg":
                case "rarg":
                    // Set operations hold their arms inline; each may have its own WITH.
                    WalkSelect(property.Value, scope);
                    break;
                default:
                    WalkValue(property.Value, scope, RelationAccess.Read);
                    break;
            }
        }
    }

    private void WalkDataModifying(string name, JsonElement body, CteScope? scope)
    {
        scope = WalkWith(body, scope);
        RelationAccess targetAccess;
        switch (name)
        {
            case "InsertStmt":
                _kinds |= StatementKind.Insert;

                // ON CONFLICT DO UPDATE updates rows that exist: INSERT INTO t SELECT * FROM t ON CONFLICT DO UPDATE
                // rewrites the whole table, so it needs the update kind too.
                if (body.TryGetProperty("onConflictClause", out JsonElement conflict) && Enum(conflict, "action", "") == "ONCONFLICT_UPDATE")
                {
                    _kinds |= StatementKind.Update;
                }

                // RETURNING and ON CONFLICT DO UPDATE … WHERE read the table's rows too.
                targetAccess = body.TryGetProperty("returningList", out _) || body.TryGetProperty("onConflictClause", out _)
                    ? RelationAccess.ReadWrite
                    : RelationAccess.Write;
                break;
            case "UpdateStmt":
                _kinds |= StatementKind.Update;
                targetAccess = RelationAccess.ReadWrite;
                _unboundedWrite |= IsUnbounded(body);
                break;
            case "DeleteStmt":
                _kinds |= StatementKind.Delete;
                targetAccess = RelationAccess.ReadWrite;
                _unboundedWrite |= IsUnbounded(body);
                break;
            default:
                _kinds |= StatementKind.Merge | MergeActions(body, out bool changesMatched);

                // WHEN MATCHED THEN UPDATE/DELETE under a join condition that mentions no column (ON true) touches every row.
                _unboundedWrite |= changesMatched && (!body.TryGetProperty("joinCondition", out JsonElement on) || !Mentions(on, "ColumnRef"));
                targetAccess = RelationAccess.ReadWrite;
                break;
        }

        // The target of a write is always a table, never a CTE of the same name.
        if (body.TryGetProperty("relation", out JsonElement target))
        {
            RecordRelation(target, targetAccess, null);
        }

        foreach (JsonProperty property in body.EnumerateObject())
        {
            if (property.Name is not ("withClause" or "relation"))
            {
                WalkValue(property.Value, scope, RelationAccess.Read);
            }
        }
    }

    /// <summary>The kinds of a MERGE's actions (it inserts, updates and deletes as they say), and whether any changes matched rows.</summary>
    private static StatementKind MergeActions(JsonElement body, out bool changesMatched)
    {
        StatementKind kinds = StatementKind.None;
        changesMatched = false;
        if (!body.TryGetProperty("mergeWhenClauses", out JsonElement clauses) || clauses.ValueKind != JsonValueKind.Array)
        {
            return kinds;
        }

        foreach (JsonElement clause in clauses.EnumerateArray())
        {
            JsonElement when = clause.TryGetProperty("MergeWhenClause", out JsonElement inner) ? inner : clause;
            switch (Enum(when, "commandType", ""))
            {
                case "CMD_INSERT":
                    kinds |= StatementKind.Insert;
                    break;
                case "CMD_UPDATE":
                    kinds |= StatementKind.Update;
                    changesMatched = true;
                    break;
                case "CMD_DELETE":
                    kinds |= StatementKind.Delete;
                    changesMatched = true;
                    break;
            }
        }

        return kinds;
    }

    /// <summary>Walks the CTEs of a WITH clause and returns the scope in which the statement's body sees them.</summary>
    private CteScope? WalkWith(JsonElement body, CteScope? scope)
    {
        if (!body.TryGetProperty("withClause", out JsonElement with) || !with.TryGetProperty("ctes", out JsonElement ctes))
        {
            return scope;
        }

        bool recursive = Bool(with, "recursive");
        var definitions = new List<(string Name, JsonElement Query)>();
        foreach (JsonElement cte in ctes.EnumerateArray())
        {
            JsonElement expression = cte.TryGetProperty("CommonTableExpr", out JsonElement wrappedCte) ? wrappedCte : cte;
            string cteName = expression.TryGetProperty("ctename", out JsonElement n) ? n.GetString() ?? "" : "";
            JsonElement query = expression.TryGetProperty("ctequery", out JsonElement q) ? q : default;
            definitions.Add((cteName, query));
        }

        CteScope? all = scope;
        foreach ((string cteName, _) in definitions)
        {
            all = new CteScope(cteName, all);
        }

        CteScope? visible = scope;
        foreach ((string cteName, JsonElement query) in definitions)
        {
            if (query.ValueKind == JsonValueKind.Object)
            {
                WalkValue(query, recursive ? all : visible, RelationAccess.Read);
            }

            visible = new CteScope(cteName, visible);
        }

        return all;
    }

    private CopyInfo ReadCopy(JsonElement body)
    {
        bool isFrom = Bool(body, "is_from");
        CopyTarget target = Bool(body, "is_program") ? CopyTarget.Program
            : body.TryGetProperty("filename", out _) ? CopyTarget.File
            : CopyTarget.Client;
        if (body.TryGetProperty("relation", out JsonElement relation))
        {
            RecordRelation(relation, isFrom ? RelationAccess.Write : RelationAccess.Read, null);
        }

        foreach (JsonProperty property in body.EnumerateObject())
        {
            if (property.Name != "relation")
            {
                WalkValue(property.Value, null, RelationAccess.Read);
            }
        }

        var columns = new List<string>();
        if (body.TryGetProperty("attlist", out JsonElement attlist) && attlist.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement column in attlist.EnumerateArray())
            {
                if (StringNode(column) is { } name)
                {
                    columns.Add(name);
                }
            }
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body.TryGetProperty("options", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in list.EnumerateArray())
            {
                if (item.TryGetProperty("DefElem", out JsonElement option) && option.TryGetProperty("defname", out JsonElement defname))
                {
                    options[(defname.GetString() ?? "").ToLowerInvariant()] = option.TryGetProperty("arg", out JsonElement arg) ? OptionText(arg) : "true";
                }
            }
        }

        return new CopyInfo(isFrom, target) { Columns = columns.Count > 0 ? columns : null, Options = options };
    }

    /// <summary>A COPY option's argument as text.</summary>
    private static string OptionText(JsonElement arg)
    {
        if (StringNode(arg) is { } text)
        {
            return text;
        }

        if (arg.TryGetProperty("A_Star", out _))
        {
            return "*";
        }

        if (arg.TryGetProperty("Boolean", out JsonElement boolean))
        {
            return boolean.TryGetProperty("boolval", out JsonElement b) && b.ValueKind == JsonValueKind.True ? "true" : "false";
        }

        if (arg.TryGetProperty("Integer", out JsonElement integer))
        {
            return integer.TryGetProperty("ival", out JsonElement i) ? i.GetInt64().ToString(CultureInfo.InvariantCulture) : "0";
        }

        if (arg.TryGetProperty("List", out JsonElement listNode) && listNode.TryGetProperty("items", out JsonElement items))
        {
            var names = new List<string>();
            foreach (JsonElement item in items.EnumerateArray())
            {
                names.Add(StringNode(item) ?? "?");
            }

            return string.Join(",", names);
        }

        return "?";
    }

    private void ReadDroppedRelations(JsonElement body)
    {
        string type = Enum(body, "removeType", "");
        bool relations = type is "OBJECT_TABLE" or "OBJECT_VIEW" or "OBJECT_MATVIEW" or "OBJECT_INDEX" or "OBJECT_SEQUENCE" or "OBJECT_FOREIGN_TABLE";
        if (!relations || !body.TryGetProperty("objects", out JsonElement objects))
        {
            return;
        }

        foreach (JsonElement item in objects.EnumerateArray())
        {
            if (!item.TryGetProperty("List", out JsonElement list) || !list.TryGetProperty("items", out JsonElement parts))
            {
                continue;
            }

            var names = new List<string>();
            foreach (JsonElement part in parts.EnumerateArray())
            {
                if (StringNode(part) is { } s)
                {
                    names.Add(s);
                }
            }

            if (names.Count > 0)
            {
                AddRelation(names.Count >= 2 ? names[^2] : null, names[^1], RelationAccess.Write);
            }
        }
    }

    private void ReadVariableSet(JsonElement body)
    {
        string kind = Enum(body, "kind", "");
        string? name = body.TryGetProperty("name", out JsonElement n) ? n.GetString()?.ToLowerInvariant() : null;
        bool isLocal = Bool(body, "is_local");
        switch (kind)
        {
            case "VAR_RESET_ALL":
                _settings.Add(new SettingChange(SettingAction.ResetAll, null, null, isLocal, ViaFunction: false));
                break;
            case "VAR_RESET":
                _settings.Add(new SettingChange(SettingAction.Reset, name, null, isLocal, ViaFunction: false));
                break;
            default:
                string? value = null;
                if (kind == "VAR_SET_VALUE" && body.TryGetProperty("args", out JsonElement args))
                {
                    var values = new List<string>();
                    foreach (JsonElement arg in args.EnumerateArray())
                    {
                        values.Add(Constant(arg) ?? "?");
                    }

                    value = string.Join(", ", values).ToLowerInvariant();
                }

                _settings.Add(new SettingChange(SettingAction.Set, name, value, isLocal, ViaFunction: false));
                break;
        }
    }

    // ---- Recording ------------------------------------------------------------------------------------------------

    private void RecordRelation(JsonElement rangeVar, RelationAccess access, CteScope? scope)
    {
        string? name = rangeVar.TryGetProperty("relname", out JsonElement n) ? n.GetString() : null;
        if (string.IsNullOrEmpty(name))
        {
            return;
        }

        string? schema = rangeVar.TryGetProperty("schemaname", out JsonElement s) ? s.GetString() : null;
        if (schema is null && scope is not null && scope.Contains(name))
        {
            return;
        }

        AddRelation(schema, name, access);
    }

    private void AddRelation(string? schema, string name, RelationAccess access)
    {
        for (int i = 0; i < _relations.Count; i++)
        {
            RelationReference existing = _relations[i];
            if (existing.Schema == schema && existing.Name == name)
            {
                _relations[i] = existing with { Access = existing.Access | access };
                return;
            }
        }

        _relations.Add(new RelationReference(schema, name, access));
    }

    private void RecordFunction(JsonElement funcname, JsonElement call)
    {
        if (funcname.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var parts = new List<string>();
        foreach (JsonElement part in funcname.EnumerateArray())
        {
            if (StringNode(part) is { } s)
            {
                parts.Add(s);
            }
        }

        if (parts.Count == 0)
        {
            return;
        }

        var function = new FunctionReference(parts.Count >= 2 ? parts[^2] : null, parts[^1]);
        if (function.Schema is null or "pg_catalog" && s_writingFunctions.Contains(function.Name))
        {
            // SELECT setval(…), SELECT lo_unlink(…): a write by function call needs the update kind, like an UPDATE.
            _kinds |= StatementKind.Update;
        }

        if (!_functions.Contains(function))
        {
            _functions.Add(function);
        }

        if (function.Name == "set_config" && function.Schema is null or "pg_catalog")
        {
            // set_config(name, value, is_local) is SET by another name. A name the analyser cannot see as a constant
            // is recorded as unknown, so that policy can refuse what it cannot prove harmless.
            string? setting = null, value = null;
            bool isLocal = false;
            if (call.TryGetProperty("args", out JsonElement args) && args.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement arg in args.EnumerateArray())
                {
                    switch (index++)
                    {
                        case 0:
                            setting = Constant(arg)?.ToLowerInvariant();
                            break;
                        case 1:
                            value = Constant(arg)?.ToLowerInvariant();
                            break;
                        case 2:
                            isLocal = Constant(arg) is not ("false" or "f" or "off" or "0" or "no");
                            break;
                    }
                }
            }

            _settings.Add(new SettingChange(SettingAction.Set, setting, value, isLocal, ViaFunction: true));
        }
    }

    private static bool IsUnbounded(JsonElement body)
    {
        if (!body.TryGetProperty("whereClause", out JsonElement where))
        {
            return true;
        }

        // WHERE true, WHERE 1 = 1: a condition that mentions no column filters nothing.
        return !Mentions(where, "ColumnRef") && !Mentions(where, "CurrentOfExpr");
    }

    private static bool Mentions(JsonElement element, string nodeName)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (property.Name == nodeName || Mentions(property.Value, nodeName))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (Mentions(item, nodeName))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    // ---- Helpers --------------------------------------------------------------------------------------------------

    private static (string Name, JsonElement Body) Unwrap(JsonElement wrapped)
    {
        foreach (JsonProperty property in wrapped.EnumerateObject())
        {
            return (property.Name, property.Value);
        }

        return ("", default);
    }

    private static bool IsNodeName(string name) => name.Length > 0 && name[0] is >= 'A' and <= 'Z';

    private static bool Bool(JsonElement body, string field) =>
        body.TryGetProperty(field, out JsonElement value) && value.ValueKind == JsonValueKind.True;

    private static string Enum(JsonElement body, string field, string prefix)
    {
        string value = body.TryGetProperty(field, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
        return value.StartsWith(prefix, StringComparison.Ordinal) ? value[prefix.Length..] : value;
    }

    private static string Words(string enumName) => enumName switch
    {
        "MATVIEW" => "MATERIALIZED VIEW",
        "" => "OBJECT",
        _ => enumName.Replace('_', ' '),
    };

    private static string CommandFromNodeName(string name)
    {
        string bare = name.EndsWith("Stmt", StringComparison.Ordinal) ? name[..^4] : name;
        var words = new StringBuilder();
        for (int i = 0; i < bare.Length; i++)
        {
            if (i > 0 && char.IsUpper(bare[i]))
            {
                words.Append(' ');
            }

            words.Append(char.ToUpperInvariant(bare[i]));
        }

        return words.ToString();
    }

    /// <summary>The text of a <c>{"String": {"sval": …}}</c> node.</summary>
    private static string? StringNode(JsonElement node) =>
        node.TryGetProperty("String", out JsonElement s) && s.TryGetProperty("sval", out JsonElement v) ? v.GetString() : null;

    /// <summary>The value of a constant (A_Const, possibly under a cast), as text; <see langword="null"/> when it is not a constant.</summary>
    private static string? Constant(JsonElement node)
    {
        if (node.TryGetProperty("TypeCast", out JsonElement cast) && cast.TryGetProperty("arg", out JsonElement arg))
        {
            return Constant(arg);
        }

        if (!node.TryGetProperty("A_Const", out JsonElement constant))
        {
            return null;
        }

        if (constant.TryGetProperty("sval", out JsonElement sval))
        {
            return sval.TryGetProperty("sval", out JsonElement text) ? text.GetString() : "";
        }

        if (constant.TryGetProperty("ival", out JsonElement ival))
        {
            return ival.TryGetProperty("ival", out JsonElement number) ? number.GetInt64().ToString(CultureInfo.InvariantCulture) : "0";
        }

        if (constant.TryGetProperty("boolval", out JsonElement boolval))
        {
            return boolval.TryGetProperty("boolval", out JsonElement b) && b.ValueKind == JsonValueKind.True ? "true" : "false";
        }

        if (constant.TryGetProperty("fval", out JsonElement fval))
        {
            return fval.TryGetProperty("fval", out JsonElement f) ? f.GetString() : null;
        }

        return null;
    }

    /// <summary>The CTE names visible at a point of the tree, innermost first.</summary>
    private sealed record CteScope(string Name, CteScope? Outer)
    {
        public bool Contains(string name)
        {
            for (CteScope? s = this; s is not null; s = s.Outer)
            {
                if (s.Name == name)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
