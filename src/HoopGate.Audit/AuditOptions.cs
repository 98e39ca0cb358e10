namespace HoopGate.Audit;

/// <summary>The audit trail's settings, bound from <c>HoopGate:Audit</c>.</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Audit";

    /// <summary>Strict (default), Async or Off (test configurations only).</summary>
    public AuditMode Mode { get; set; } = AuditMode.Strict;

    /// <summary>
    /// The audit store: an Npgsql connection string to a PostgreSQL database of its own (not the one clients use).
    /// Put its password in the environment (<c>HoopGate__Audit__ConnectionString</c>) or in <see cref="PasswordFile"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>A file holding the audit store's password (trailing newline ignored); wins over one in the connection string.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// Where records are spooled before they reach the store: a directory on a local disk that survives restarts, one per
    /// gateway instance (it holds the instance's identity and hash chain).
    /// </summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>A spool segment file is closed and a new one begun at this size (bytes, default 16 MiB).</summary>
    public long SegmentBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Records per COPY into the store (default 2,000).</summary>
    public int ShipBatchSize { get; set; } = 2000;

    /// <summary>How often the shipper looks for new records when there is no backlog (milliseconds, default 200).</summary>
    public int ShipIntervalMilliseconds { get; set; } = 200;

    /// <summary>
    /// Create or upgrade the store's schema when the gateway starts (default false: run <c>hoopgate audit migrate</c>,
    /// with a role that may create tables, and let the gateway's audit role only insert).
    /// </summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>
    /// How long records are kept (months, default 72: six years, HIPAA's retention for documentation). <c>hoopgate audit
    /// prune</c> drops the monthly partitions that end before then.
    /// </summary>
    public int RetentionMonths { get; set; } = 72;

    /// <summary>How extended-protocol parameters are recorded: Hashed (default), Raw or None.</summary>
    public AuditParameterMode Parameters { get; set; } = AuditParameterMode.Hashed;

    /// <summary>
    /// The key of the parameters' keyed hashes (at least 32 characters), or <see cref="ParameterKeyFile"/>. Every
    /// instance sharing a store must use the same key, and it must stay secret: whoever holds it can test guesses.
    /// </summary>
    public string? ParameterKey { get; set; }

    /// <summary>A file holding <see cref="ParameterKey"/> (trailing newline ignored).</summary>
    public string? ParameterKeyFile { get; set; }

    /// <summary>Record the full SQL text (default true); false records libpg_query's normalised text, constants replaced.</summary>
    public bool FullStatementText { get; set; } = true;
}
