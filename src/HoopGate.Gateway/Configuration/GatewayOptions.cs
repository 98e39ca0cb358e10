namespace HoopGate.Gateway.Configuration;

/// <summary>
/// The client-facing listener and its limits, bound from <c>HoopGate:Gateway</c>.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Gateway";

    /// <summary>Address to listen on. Default <c>127.0.0.1</c>: exposing the port is a deliberate act.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port to listen on; 0 picks a free one. Default 6432 (PgBouncer's, so clients need one change).</summary>
    public int Port { get; set; } = 6432;

    /// <summary>TLS termination for clients.</summary>
    public ClientTlsOptions Tls { get; set; } = new();

    /// <summary>Most sessions at once, including those still starting. Default 1000; past it clients get FATAL 53300.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Most sessions from one client IP address. Default 100, so one runaway host cannot take every slot.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 100;

    /// <summary>
    /// Time for a client to finish TLS, startup and authentication, in seconds. Default 10: long enough for a
    /// token refresh on a slow laptop, short enough that idle half-open connections do not pile up.
    /// </summary>
    public double StartupTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Largest message the gateway buffers whole to inspect (Query, Parse and the like), in bytes. Default 64 MiB.
    /// Data messages (Bind, CopyData, FunctionCall, DataRow) stream through and are bounded by
    /// <see cref="MaxStreamedMessageLength"/> only.
    /// </summary>
    public int MaxMessageLength { get; set; } = 64 * 1024 * 1024;

    /// <summary>Largest streamed message, in bytes. Default 1 GiB - 1, PostgreSQL's own MaxAllocSize bound.</summary>
    public int MaxStreamedMessageLength { get; set; } = Sessions.MessageRelayLimits.MaxLength;

    /// <summary>Largest startup packet, in bytes. Default 10000, PostgreSQL's MAX_STARTUP_PACKET_LENGTH.</summary>
    public int MaxStartupPacketLength { get; set; } = 10000;

    /// <summary>
    /// On shutdown, how long sessions may finish their work before they get FATAL 57P01, in seconds. Default 30.
    /// </summary>
    public double ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Run socket completions on the runtime's event thread rather than the thread pool. Default <see langword="true"/>.
    /// Read by the host before the first socket exists (see GatewayHost); changing it needs a restart.
    /// </summary>
    public bool InlineSocketCompletions { get; set; } = true;

    /// <summary>
    /// Socket event threads when <see cref="InlineSocketCompletions"/> is on; 0 (default) means one per four cores,
    /// at least one. Read by the host at start.
    /// </summary>
    public int SocketEventThreads { get; set; }

    /// <summary>
    /// This instance's number (1-255) when several gateways share a load balancer; 0 (default) for a lone instance.
    /// The cancel key a client gets carries it, so a CancelRequest that lands on another instance is forwarded here.
    /// </summary>
    public int InstanceId { get; set; }

    /// <summary>
    /// Other instances by <see cref="InstanceId"/>, as <c>host:port</c> of their PostgreSQL port, for forwarding
    /// CancelRequests. Empty by default.
    /// </summary>
    public Dictionary<string, string> Peers { get; set; } = [];

    /// <summary>
    /// Startup parameters a client may pass on to the server (beyond <c>database</c> and <c>user</c>, which the
    /// gateway handles itself). Anything else, <c>role</c> and <c>session_authorization</c> included, is refused
    /// with FATAL 42501 so that no client can choose who it is upstream. Names compare case-insensitively.
    /// The <c>options</c> parameter is accepted when every <c>-c name=value</c> it carries names an allowed setting.
    /// <c>client_encoding</c> is accepted but the server session always gets UTF8 (and <c>standard_conforming_strings</c>
    /// on): policy reads SQL the way the server will only under those. <c>search_path</c> is not allowed by default:
    /// policy resolves unqualified table names through the policy file's <c>searchPath</c>.
    /// </summary>
    public List<string> AllowedStartupParameters { get; set; } = [];

    /// <summary>
    /// The default of <see cref="AllowedStartupParameters"/>, applied after binding when it is left empty (the binder adds
    /// configured items to a list's initial ones, so a list that started with these could never be narrowed).
    /// </summary>
    public static IReadOnlyList<string> DefaultAllowedStartupParameters { get; } =
    [
        "application_name", "client_encoding", "DateStyle", "TimeZone", "IntervalStyle", "extra_float_digits",
        "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
        "default_transaction_isolation", "default_transaction_read_only",
        "bytea_output", "geqo", "jit", "work_mem",
    ];
}
