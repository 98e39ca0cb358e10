using HoopGate.Sql;

namespace HoopGate.Policy;

/// <summary>
/// What no policy file can allow. Identity: a session cannot change whom it acts as upstream, nor the settings the
/// gateway relies on to read its SQL and results the way the server does. Functions that reach outside the database
/// or run SQL the gateway never sees. COPY to or from the server's files and programs.
/// </summary>
public static class BuiltInRules
{
    /// <summary>Rule name for SQL the parser refuses.</summary>
    public const string Parser = "parser";

    /// <summary>Rule name for attempts to change identity or gateway-owned settings.</summary>
    public const string Identity = "identity";

    /// <summary>Rule name for forbidden functions.</summary>
    public const string ForbiddenFunction = "forbidden-function";

    /// <summary>Rule name for COPY to or from the server's files or programs.</summary>
    public const string ServerSideCopy = "server-side-copy";

    /// <summary>Rule name for statements the session's groups are not granted.</summary>
    public const string NotGranted = "not-granted";

    private static readonly (NamePattern Pattern, string Reason)[] s_forbiddenFunctions =
    [
        .. Patterns("reads files on the database server",
            "pg_read_file", "pg_read_binary_file", "pg_stat_file", "pg_ls_*dir", "pg_ls_dir", "pg_logdir_ls"),
        .. Patterns("writes files on the database server", "pg_file_*"),
        .. Patterns("moves files between the database server and large objects", "lo_import", "lo_export"),
        .. Patterns("connects from the database server to other servers", "dblink*"),
        .. Patterns("runs SQL or reads tables out of sight of the gateway",
            "query_to_xml*", "cursor_to_xml*", "table_to_xml*", "schema_to_xml*", "database_to_xml*", "ts_stat", "ts_rewrite"),
        .. Patterns("signals other sessions, which share the gateway's upstream role", "pg_terminate_backend", "pg_cancel_backend"),
        .. Patterns("reads other sessions' SQL text, which can hold protected values (every session shares the upstream role)",
            "pg_stat_get_activity", "pg_stat_get_backend_activity"),
        .. Patterns("administers the database server",
            "pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_switch_wal", "pg_create_restore_point", "pg_backup_*",
            "pg_start_backup", "pg_stop_backup", "pg_*replication_slot*", "pg_logical_slot_*", "pg_replication_origin_*",
            "pg_import_system_collations"),
    ];

    /// <summary>The functions no statement may call (with <c>*</c> wildcards), whatever their schema.</summary>
    public static IEnumerable<string> ForbiddenFunctionPatterns => s_forbiddenFunctions.Select(f => f.Pattern.Text);

    /// <summary>Checks one statement; <see langword="null"/> when no built-in rule refuses it.</summary>
    public static PolicyDecision? Check(StatementInfo statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        foreach (SettingChange setting in statement.Settings)
        {
            if (CheckSetting(setting) is { } reason)
            {
                return PolicyDecision.Deny(Identity, reason);
            }
        }

        foreach (RelationReference relation in statement.Relations)
        {
            if (relation.Name == "pg_settings" && (relation.Access & RelationAccess.Write) != 0)
            {
                return PolicyDecision.Deny(Identity, "writing pg_settings changes settings the gateway owns");
            }
        }

        foreach (FunctionReference function in statement.Functions)
        {
            foreach ((NamePattern pattern, string reason) in s_forbiddenFunctions)
            {
                if (pattern.IsMatch(function.Name))
                {
                    return PolicyDecision.Deny(ForbiddenFunction, function.Name + " " + reason);
                }
            }
        }

        if (statement.Copy is { Target: not CopyTarget.Client } copy)
        {
            string where = copy.Target == CopyTarget.Program ? "a program on the database server" : "a file on the database server";
            return PolicyDecision.Deny(ServerSideCopy, "COPY " + (copy.IsFrom ? "from " : "to ") + where + " is not allowed; use STDIN or STDOUT");
        }

        return null;
    }

    private static string? CheckSetting(SettingChange setting)
    {
        if (setting.Action == SettingAction.ResetAll)
        {
            return "RESET ALL would reset settings the gateway owns; reset settings by name";
        }

        if (setting.Name is null)
        {
            return "set_config with a setting name computed at run time cannot be checked";
        }

        switch (setting.Name)
        {
            case "role":
            case "session_authorization":
                return "the session's role is set by the gateway from the caller's identity and cannot be changed";
            case "application_name":
                return "application_name carries the caller's identity and is set by the gateway";
            case "client_encoding":
                // The gateway reads SQL and results as UTF-8; RESET and DEFAULT return to the UTF-8 it set at startup.
                return IsComputed(setting) || (setting.Value is not null && setting.Value is not ("utf8" or "utf-8" or "unicode" or "sql_ascii"))
                    ? "client_encoding must stay UTF8 through the gateway"
                    : null;
            case "standard_conforming_strings":
                // With it off, backslashes in '' strings change where strings end: the server would read a different
                // statement than the gateway judged.
                return IsComputed(setting) || (setting.Value is not null && setting.Value is not ("on" or "true" or "yes" or "1"))
                    ? "standard_conforming_strings must stay on through the gateway"
                    : null;
            default:
                return null;
        }
    }

    private static bool IsComputed(SettingChange setting) => setting.ViaFunction && setting.Value is null;

    private static IEnumerable<(NamePattern, string)> Patterns(string reason, params string[] patterns) =>
        patterns.Select(p => (new NamePattern(p), reason));
}
