using Npgsql;

namespace HoopGate.Audit;

/// <summary>
/// The audit store's schema, created and upgraded by <c>hoopgate audit migrate</c> (or at start with
/// <c>MigrateOnStart</c>): versioned, idempotent, serialised across gateway instances by an advisory lock.
/// <para>
/// One append-only table, <c>hoopgate_audit.records</c>, partitioned by month on <c>occurred_at</c>, holds every record
/// exactly as its instance hashed it (<c>record</c> is <c>json</c>, which keeps the text byte for byte, so the chain can
/// be verified in the store). Views answer the usual questions: <c>sessions</c>, <c>statements</c>, <c>auth_events</c>.
/// </para>
/// </summary>
public static class AuditSchema
{
    /// <summary>The schema version this gateway writes.</summary>
    public const int CurrentVersion = 5;

    private const long LockKey = 0x486f6f7047617465; // "HoopGate"

    private static readonly string[] s_migrations =
    [
        // 1: records, partitions, views.
        """
        CREATE TABLE hoopgate_audit.records (
            instance_id uuid NOT NULL,
            seq bigint NOT NULL,
            occurred_at timestamptz NOT NULL,
            kind text NOT NULL,
            session_id uuid,
            record json NOT NULL,
            prev_hash bytea NOT NULL,
            hash bytea NOT NULL,
            PRIMARY KEY (instance_id, seq, occurred_at)
        ) PARTITION BY RANGE (occurred_at);
        CREATE INDEX records_session ON hoopgate_audit.records (session_id, kind);
        CREATE INDEX records_kind_time ON hoopgate_audit.records (kind, occurred_at);
        CREATE INDEX records_subject ON hoopgate_audit.records ((((record::jsonb) -> 'data') ->> 'subject'), occurred_at)
            WHERE kind = 'session_start';

        -- Partitions are made on demand by the shipper; SECURITY DEFINER so that the gateway's role needs no CREATE.
        CREATE FUNCTION hoopgate_audit.ensure_partition(at timestamptz) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, hoopgate_audit AS $fn$
        DECLARE
            month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
            partition_name text := 'records_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
        BEGIN
            IF to_regclass('hoopgate_audit.' || partition_name) IS NULL THEN
                EXECUTE format('CREATE TABLE IF NOT EXISTS hoopgate_audit.%I PARTITION OF hoopgate_audit.records FOR VALUES FROM (%L) TO (%L)',
                    partition_name, month_start, month_start + interval '1 month');
            END IF;
        END
        $fn$;

        CREATE VIEW hoopgate_audit.sessions AS
        SELECT s.session_id, s.instance_id, s.occurred_at AS started_at,
               s.d ->> 'subject' AS subject, s.d ->> 'email' AS email, s.d ->> 'client_id' AS client_id,
               ARRAY(SELECT jsonb_array_elements_text(s.d -> 'groups')) AS groups,
               s.d ->> 'client_address' AS client_address, s.d ->> 'application' AS application,
               s.d ->> 'database' AS database, s.d ->> 'upstream_role' AS upstream_role,
               (s.d ->> 'client_tls')::boolean AS client_tls,
               e.occurred_at AS ended_at, (e.record::jsonb -> 'data') ->> 'reason' AS end_reason
        FROM (SELECT r.*, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r WHERE r.kind = 'session_start') s
        LEFT JOIN hoopgate_audit.records e ON e.kind = 'session_end' AND e.session_id = s.session_id;

        CREATE VIEW hoopgate_audit.statements AS
        SELECT st.session_id, (st.d ->> 'statement')::bigint AS statement, st.occurred_at AS started_at, f.occurred_at AS finished_at,
               ses.subject, ses.database, st.d ->> 'protocol' AS protocol, st.d ->> 'sql' AS sql,
               st.d ->> 'fingerprint' AS fingerprint, st.d ->> 'kinds' AS kinds,
               ARRAY(SELECT jsonb_array_elements_text(st.d -> 'tables_read')) AS tables_read,
               ARRAY(SELECT jsonb_array_elements_text(st.d -> 'tables_written')) AS tables_written,
               st.d ->> 'decision' AS decision, st.d ->> 'rule' AS rule, st.d ->> 'reason' AS reason,
               st.d -> 'parameters' AS parameters,
               f.d ->> 'outcome' AS outcome, (f.d ->> 'rows')::bigint AS rows, f.d ->> 'command_tags' AS command_tags,
               f.d ->> 'sqlstate' AS sqlstate, f.d ->> 'message' AS message, (f.d ->> 'duration_ms')::double precision AS duration_ms
        FROM (SELECT r.*, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r WHERE r.kind = 'statement_start') st
        LEFT JOIN LATERAL (
            SELECT r.occurred_at, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r
            WHERE r.kind = 'statement_finish' AND r.session_id = st.session_id
              AND ((r.record::jsonb -> 'data') ->> 'statement')::bigint = (st.d ->> 'statement')::bigint
            LIMIT 1) f ON true
        LEFT JOIN hoopgate_audit.sessions ses ON ses.session_id = st.session_id;

        CREATE VIEW hoopgate_audit.auth_events AS
        SELECT r.occurred_at, r.instance_id, r.kind = 'auth_success' AS succeeded,
               d ->> 'user' AS "user", ARRAY(SELECT jsonb_array_elements_text(d -> 'groups')) AS groups,
               d ->> 'database' AS database, d ->> 'client_address' AS client_address,
               (d ->> 'client_tls')::boolean AS client_tls, d ->> 'sqlstate' AS sqlstate, d ->> 'reason' AS reason
        FROM (SELECT r.*, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r WHERE r.kind IN ('auth_success', 'auth_failure')) r;
        """,

        // 2: which columns were masked, and which protected ones were returned raw (and to whom).
        """
        CREATE OR REPLACE VIEW hoopgate_audit.statements AS
        SELECT st.session_id, (st.d ->> 'statement')::bigint AS statement, st.occurred_at AS started_at, f.occurred_at AS finished_at,
               ses.subject, ses.database, st.d ->> 'protocol' AS protocol, st.d ->> 'sql' AS sql,
               st.d ->> 'fingerprint' AS fingerprint, st.d ->> 'kinds' AS kinds,
               ARRAY(SELECT jsonb_array_elements_text(st.d -> 'tables_read')) AS tables_read,
               ARRAY(SELECT jsonb_array_elements_text(st.d -> 'tables_written')) AS tables_written,
               st.d ->> 'decision' AS decision, st.d ->> 'rule' AS rule, st.d ->> 'reason' AS reason,
               st.d -> 'parameters' AS parameters,
               f.d ->> 'outcome' AS outcome, (f.d ->> 'rows')::bigint AS rows, f.d ->> 'command_tags' AS command_tags,
               f.d ->> 'sqlstate' AS sqlstate, f.d ->> 'message' AS message, (f.d ->> 'duration_ms')::double precision AS duration_ms,
               ARRAY(SELECT jsonb_array_elements_text(f.d -> 'masked_columns')) AS masked_columns,
               ARRAY(SELECT jsonb_array_elements_text(f.d -> 'unmasked_columns')) AS unmasked_columns
        FROM (SELECT r.*, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r WHERE r.kind = 'statement_start') st
        LEFT JOIN LATERAL (
            SELECT r.occurred_at, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r
            WHERE r.kind = 'statement_finish' AND r.session_id = st.session_id
              AND ((r.record::jsonb -> 'data') ->> 'statement')::bigint = (st.d ->> 'statement')::bigint
            LIMIT 1) f ON true
        LEFT JOIN hoopgate_audit.sessions ses ON ses.session_id = st.session_id;

        CREATE VIEW hoopgate_audit.unmasked_access AS
        SELECT s.session_id, s.statement, s.started_at, s.subject, s.database, c.column_name, s.rows, s.sql
        FROM hoopgate_audit.statements s, unnest(s.unmasked_columns) AS c(column_name);
        """,

        // 3: review requests (approvals) and their trail; statements name the approval they ran under.
        """
        CREATE TABLE hoopgate_audit.review_requests (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            created_at timestamptz NOT NULL DEFAULT now(),
            instance_id uuid NOT NULL,
            session_id uuid NOT NULL,
            requester_subject text NOT NULL,
            requester_email text,
            requester_groups text[] NOT NULL,
            database text NOT NULL,
            sql text NOT NULL,
            sql_hash bytea NOT NULL,
            fingerprint text,
            rule text NOT NULL,
            reason text NOT NULL,
            justification text,
            mode text NOT NULL CHECK (mode IN ('wait', 'retry')),
            approver_groups text[] NOT NULL,
            approvals_required int NOT NULL CHECK (approvals_required >= 1),
            approvals int NOT NULL DEFAULT 0,
            status text NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'withdrawn', 'executed')),
            expires_at timestamptz NOT NULL,
            validity interval NOT NULL,
            decided_by text,
            decided_at timestamptz,
            decision_comment text,
            executed_at timestamptz,
            executed_session_id uuid
        );
        CREATE INDEX review_requests_open ON hoopgate_audit.review_requests (status, created_at) WHERE status IN ('pending', 'approved');
        CREATE INDEX review_requests_key ON hoopgate_audit.review_requests (requester_subject, database, sql_hash, id DESC);

        -- Every step, append-only: requested, approved, denied, expired, withdrawn, executed.
        CREATE TABLE hoopgate_audit.review_events (
            request_id bigint NOT NULL REFERENCES hoopgate_audit.review_requests (id),
            occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            event text NOT NULL,
            actor text NOT NULL,
            comment text
        );
        CREATE INDEX review_events_request ON hoopgate_audit.review_events (request_id, occurred_at);

        CREATE OR REPLACE VIEW hoopgate_audit.statements AS
        SELECT st.session_id, (st.d ->> 'statement')::bigint AS statement, st.occurred_at AS started_at, f.occurred_at AS finished_at,
               ses.subject, ses.database, st.d ->> 'protocol' AS protocol, st.d ->> 'sql' AS sql,
               st.d ->> 'fingerprint' AS fingerprint, st.d ->> 'kinds' AS kinds,
               ARRAY(SELECT jsonb_array_elements_text(st.d -> 'tables_read')) AS tables_read,
               ARRAY(SELECT jsonb_array_elements_text(st.d -> 'tables_written')) AS tables_written,
               st.d ->> 'decision' AS decision, st.d ->> 'rule' AS rule, st.d ->> 'reason' AS reason,
               st.d -> 'parameters' AS parameters,
               f.d ->> 'outcome' AS outcome, (f.d ->> 'rows')::bigint AS rows, f.d ->> 'command_tags' AS command_tags,
               f.d ->> 'sqlstate' AS sqlstate, f.d ->> 'message' AS message, (f.d ->> 'duration_ms')::double precision AS duration_ms,
               ARRAY(SELECT jsonb_array_elements_text(f.d -> 'masked_columns')) AS masked_columns,
               ARRAY(SELECT jsonb_array_elements_text(f.d -> 'unmasked_columns')) AS unmasked_columns,
               (st.d ->> 'approval')::bigint AS approval
        FROM (SELECT r.*, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r WHERE r.kind = 'statement_start') st
        LEFT JOIN LATERAL (
            SELECT r.occurred_at, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r
            WHERE r.kind = 'statement_finish' AND r.session_id = st.session_id
              AND ((r.record::jsonb -> 'data') ->> 'statement')::bigint = (st.d ->> 'statement')::bigint
            LIMIT 1) f ON true
        LEFT JOIN hoopgate_audit.sessions ses ON ses.session_id = st.session_id;
        """,

        // 4: what people did and looked at in the compliance console.
        """
        CREATE VIEW hoopgate_audit.console_access AS
        SELECT r.occurred_at, r.instance_id, d ->> 'subject' AS subject, d ->> 'name' AS name,
               ARRAY(SELECT jsonb_array_elements_text(d -> 'groups')) AS groups, d ->> 'action' AS action, d ->> 'target' AS target,
               (d ->> 'status')::int AS status, d ->> 'client_address' AS client_address
        FROM (SELECT r.*, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r WHERE r.kind = 'console_access') r;
        """,

        // 5: the token's issuer and the server backend of each session (a kept server session serves several in turn),
        // and what an EXECUTE of a statement parsed under a name ran.
        """
        CREATE OR REPLACE VIEW hoopgate_audit.sessions AS
        SELECT s.session_id, s.instance_id, s.occurred_at AS started_at,
               s.d ->> 'subject' AS subject, s.d ->> 'email' AS email, s.d ->> 'client_id' AS client_id,
               ARRAY(SELECT jsonb_array_elements_text(s.d -> 'groups')) AS groups,
               s.d ->> 'client_address' AS client_address, s.d ->> 'application' AS application,
               s.d ->> 'database' AS database, s.d ->> 'upstream_role' AS upstream_role,
               (s.d ->> 'client_tls')::boolean AS client_tls,
               e.occurred_at AS ended_at, (e.record::jsonb -> 'data') ->> 'reason' AS end_reason,
               s.d ->> 'issuer' AS issuer, (s.d ->> 'server_pid')::int AS server_pid
        FROM (SELECT r.*, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r WHERE r.kind = 'session_start') s
        LEFT JOIN hoopgate_audit.records e ON e.kind = 'session_end' AND e.session_id = s.session_id;

        CREATE OR REPLACE VIEW hoopgate_audit.statements AS
        SELECT st.session_id, (st.d ->> 'statement')::bigint AS statement, st.occurred_at AS started_at, f.occurred_at AS finished_at,
               ses.subject, ses.database, st.d ->> 'protocol' AS protocol, st.d ->> 'sql' AS sql,
               st.d ->> 'fingerprint' AS fingerprint, st.d ->> 'kinds' AS kinds,
               ARRAY(SELECT jsonb_array_elements_text(st.d -> 'tables_read')) AS tables_read,
               ARRAY(SELECT jsonb_array_elements_text(st.d -> 'tables_written')) AS tables_written,
               st.d ->> 'decision' AS decision, st.d ->> 'rule' AS rule, st.d ->> 'reason' AS reason,
               st.d -> 'parameters' AS parameters,
               f.d ->> 'outcome' AS outcome, (f.d ->> 'rows')::bigint AS rows, f.d ->> 'command_tags' AS command_tags,
               f.d ->> 'sqlstate' AS sqlstate, f.d ->> 'message' AS message, (f.d ->> 'duration_ms')::double precision AS duration_ms,
               ARRAY(SELECT jsonb_array_elements_text(f.d -> 'masked_columns')) AS masked_columns,
               ARRAY(SELECT jsonb_array_elements_text(f.d -> 'unmasked_columns')) AS unmasked_columns,
               (st.d ->> 'approval')::bigint AS approval,
               st.d -> 'executes' AS executes
        FROM (SELECT r.*, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r WHERE r.kind = 'statement_start') st
        LEFT JOIN LATERAL (
            SELECT r.occurred_at, r.record::jsonb -> 'data' AS d FROM hoopgate_audit.records r
            WHERE r.kind = 'statement_finish' AND r.session_id = st.session_id
              AND ((r.record::jsonb -> 'data') ->> 'statement')::bigint = (st.d ->> 'statement')::bigint
            LIMIT 1) f ON true
        LEFT JOIN hoopgate_audit.sessions ses ON ses.session_id = st.session_id;
        """,
    ];

    /// <summary>Creates or upgrades the schema; returns the version before (0 for a new store).</summary>
    public static async Task<int> MigrateAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(" + LockKey + ")", cancellationToken);
        await ExecuteAsync(connection, "CREATE SCHEMA IF NOT EXISTS hoopgate_audit; CREATE TABLE IF NOT EXISTS hoopgate_audit.schema_version (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken);
        int before = await VersionAsync(connection, cancellationToken);
        for (int version = before + 1; version <= s_migrations.Length; version++)
        {
            await ExecuteAsync(connection, s_migrations[version - 1], cancellationToken);
            await ExecuteAsync(connection, "INSERT INTO hoopgate_audit.schema_version (version) VALUES (" + version + ")", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return before;
    }

    /// <summary>The store's schema version (0 when there is none).</summary>
    public static async Task<int> VersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            "SELECT CASE WHEN to_regclass('hoopgate_audit.schema_version') IS NULL THEN 0 ELSE (SELECT coalesce(max(version), 0) FROM hoopgate_audit.schema_version) END",
            connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
