using System.Buffers;
using System.Net.Sockets;
using System.Text;
using HoopGate.Gateway.Authentication;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Sessions;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Frontend;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Upstream;

/// <summary>
/// Server sessions kept between clients, as PgBouncer's session mode keeps them: a client that says goodbye cleanly
/// (Terminate, nothing in flight, outside a transaction) leaves its server session here; it is reset with
/// <c>DISCARD ALL</c> and handed to the next client with the same key — the same caller (issuer, subject and groups),
/// upstream role, database and startup settings — within <see cref="UpstreamOptions.IdleSessionTimeoutSeconds"/>, and
/// for at most <see cref="UpstreamOptions.MaxServerSessionLifetimeSeconds"/> after its login. A session is never
/// shared between callers; one whose client ran something <c>DISCARD ALL</c> does not undo is not kept at all.
/// </summary>
internal sealed partial class ServerSessionPool : IAsyncDisposable
{
    // The reset's answer is a CommandComplete and a ReadyForQuery, with perhaps a few ParameterStatus and notices.
    private const int MaxResetMessageLength = 64 * 1024;
    private static readonly TimeSpan ResetTimeout = TimeSpan.FromSeconds(5);

    private readonly ServerConnector _connector;
    private readonly UpstreamOptions _options;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    // Per key, in the order they were put aside: the warmest at the end (taken first), the longest waiting at the front.
    private readonly Dictionary<string, List<ServerConnection>> _idle = new(StringComparer.Ordinal);
    private readonly ITimer? _sweeper;
    private int _idleCount;
    private bool _disposed;

    public ServerSessionPool(ServerConnector connector, IOptions<UpstreamOptions> options, TimeProvider time, GatewayMetrics metrics, ILogger<ServerSessionPool> logger)
    {
        _connector = connector;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        if (Enabled)
        {
            TimeSpan period = TimeSpan.FromSeconds(Math.Clamp(_options.IdleSessionTimeoutSeconds / 4, 0.25, 15));
            _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
        }
    }

    /// <summary>Whether server sessions are kept between clients at all.</summary>
    public bool Enabled => _options.ReuseSessions && _options.MaxIdleSessions > 0;

    /// <summary>Server sessions waiting for a client now.</summary>
    public int IdleCount => Volatile.Read(ref _idleCount);

    /// <summary>A kept server session for this caller and these settings if one is waiting and sound, or else a new one.</summary>
    /// <param name="parameters">Startup parameters (database, application_name, allowed settings); the user is the gateway's.</param>
    /// <param name="role">A key of <see cref="UpstreamOptions.Roles"/>, or <see langword="null"/> for <see cref="UpstreamOptions.User"/>.</param>
    /// <param name="caller">Who the session is for: only the same issuer, subject and groups get a kept session back.</param>
    /// <param name="cancellationToken">Aborts the attempt.</param>
    /// <exception cref="ServerConnectionException">The server is unreachable, refused, or misbehaved.</exception>
    public async Task<ServerConnection> AcquireAsync(
        IReadOnlyList<KeyValuePair<string, string>> parameters, string? role, GatewayIdentity caller, CancellationToken cancellationToken)
    {
        string key = Key(parameters, role, caller);
        if (TakeIdle(key) is { } kept)
        {
            _metrics.ServerSessionReused();
            return kept;
        }

        ServerConnection connection;
        try
        {
            connection = await _connector.ConnectAsync(parameters, role, cancellationToken);
        }
        catch (ServerConnectionException ex) when (ex.ServerError?.SqlState == SqlState.TooManyConnections && IdleCount > 0)
        {
            // The server is full, and some of its sessions only wait here for callers who may not come back: end them.
            await Task.WhenAll(TakeAllIdle().Select(CloseAsync));
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            connection = await _connector.ConnectAsync(parameters, role, cancellationToken);
        }

        connection.PoolKey = key;
        connection.CreatedAt = _time.GetTimestamp();
        return connection;
    }

    /// <summary>
    /// Takes a server session whose client has gone, idle and outside a transaction, with nothing unread: it is reset
    /// in the background and kept, or ended when it cannot be reset or is not wanted.
    /// </summary>
    public void Release(ServerConnection connection)
    {
        if (!Enabled || connection.PoolKey is null)
        {
            _ = CloseAsync(connection);
            return;
        }

        _ = ResetAndKeepAsync(connection);
    }

    private async Task ResetAndKeepAsync(ServerConnection connection)
    {
        string? failure;
        try
        {
            using var timeout = new CancellationTokenSource(ResetTimeout);
            failure = await ResetAsync(connection, timeout.Token);
        }
#pragma warning disable CA1031 // Nobody awaits this task: whatever goes wrong, the connection is closed, not leaked.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex is OperationCanceledException ? "timed out" : ex.Message;
        }

        if (failure is not null)
        {
            LogResetFailed(connection.KeyData.ProcessId, failure);
        }

        if (failure is not null || !Keep(connection))
        {
            await CloseAsync(connection);
        }
    }

    /// <summary>
    /// <c>DISCARD ALL</c>: closes portals and prepared statements, drops temporary tables, resets every setting to its
    /// value at startup (SET ROLE and SESSION AUTHORIZATION included), unlistens every channel, releases advisory locks,
    /// and forgets cached plans and sequence values. Anything but its own answer (and the notices, notifications and
    /// ParameterStatus that may come with it) means the session is not what the gateway thinks it is. Returns why
    /// not, or null when the session is reset.
    /// </summary>
    private static async Task<string?> ResetAsync(ServerConnection connection, CancellationToken cancellationToken)
    {
        await StreamMessageIo.WriteAsync(connection.Stream, new Query("DISCARD ALL").WriteTo, cancellationToken);
        bool discarded = false;
        while (true)
        {
            (byte code, byte[] body) = await StreamMessageIo.ReadMessageAsync(connection.Stream, MaxResetMessageLength, cancellationToken);
            switch ((BackendMessageCode)code)
            {
                case BackendMessageCode.ParameterStatus:
                    connection.Apply(ParameterStatus.Read(new ReadOnlySequence<byte>(body)));
                    break;
                case BackendMessageCode.NoticeResponse:
                case BackendMessageCode.NotificationResponse:
                    // Addressed to the client that has gone (a notification sent before the reset unlistened it).
                    break;
                case BackendMessageCode.CommandComplete when !discarded && CommandComplete.Read(new ReadOnlySequence<byte>(body)).CommandTag == "DISCARD ALL":
                    discarded = true;
                    break;
                case BackendMessageCode.ReadyForQuery when discarded:
                    TransactionStatus status = ReadyForQuery.Read(new ReadOnlySequence<byte>(body)).TransactionStatus;
                    return status == TransactionStatus.Idle ? null : "the server is in transaction state " + status + " after DISCARD ALL";
                case BackendMessageCode.ErrorResponse:
                    // Cancelled, terminated, or refused (PostgreSQL refuses DISCARD ALL inside a transaction or a pipeline).
                    ErrorResponse error = ErrorResponse.Read(new ReadOnlySequence<byte>(body));
                    return "the server answered DISCARD ALL with " + error.SqlState + ": " + error.Message;
                default:
                    return "the server answered DISCARD ALL with message type " + (char)code;
            }
        }
    }

    private bool Keep(ServerConnection connection)
    {
        lock (_idle)
        {
            // An old session is retired: role settings, privileges and passwords changed since its login apply to new ones.
            if (_disposed || _idleCount >= _options.MaxIdleSessions
                || _time.GetElapsedTime(connection.CreatedAt) >= TimeSpan.FromSeconds(_options.MaxServerSessionLifetimeSeconds))
            {
                return false;
            }

            if (!_idle.TryGetValue(connection.PoolKey!, out List<ServerConnection>? waiting))
            {
                waiting = [];
                _idle[connection.PoolKey!] = waiting;
            }

            connection.IdleSince = _time.GetTimestamp();
            waiting.Add(connection);
            _idleCount++;
            return true;
        }
    }

    /// <summary>The most recently kept session for the key (warmest caches) that the server has not closed or written to meanwhile.</summary>
    private ServerConnection? TakeIdle(string key)
    {
        while (true)
        {
            ServerConnection? connection;
            lock (_idle)
            {
                if (!_idle.TryGetValue(key, out List<ServerConnection>? waiting))
                {
                    return null;
                }

                connection = waiting[^1];
                waiting.RemoveAt(waiting.Count - 1);
                _idleCount--;
                if (waiting.Count == 0)
                {
                    _idle.Remove(key);
                }
            }

            if (IsQuiet(connection))
            {
                return connection;
            }

            // Ended by the server (idle_session_timeout, pg_terminate_backend, a restart) or told something while kept.
            _ = CloseAsync(connection);
        }
    }

    private List<ServerConnection> TakeAllIdle()
    {
        lock (_idle)
        {
            List<ServerConnection> all = _idle.Values.SelectMany(s => s).ToList();
            _idle.Clear();
            _idleCount = 0;
            return all;
        }
    }

    private static bool IsQuiet(ServerConnection connection)
    {
        try
        {
            return !connection.Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Ends sessions that waited longer than the idle timeout.</summary>
    private void Sweep()
    {
        long now = _time.GetTimestamp();
        TimeSpan limit = TimeSpan.FromSeconds(_options.IdleSessionTimeoutSeconds);
        List<ServerConnection>? expired = null;
        lock (_idle)
        {
            foreach (List<ServerConnection> waiting in _idle.Values)
            {
                // The longest waiting are at the front.
                int young = waiting.FindIndex(c => _time.GetElapsedTime(c.IdleSince, now) < limit);
                int old = young < 0 ? waiting.Count : young;
                if (old > 0)
                {
                    (expired ??= []).AddRange(waiting.GetRange(0, old));
                    waiting.RemoveRange(0, old);
                }
            }

            if (expired is null)
            {
                return;
            }

            _idleCount -= expired.Count;
            foreach (string empty in _idle.Where(e => e.Value.Count == 0).Select(e => e.Key).ToList())
            {
                _idle.Remove(empty);
            }
        }

        foreach (ServerConnection connection in expired)
        {
            _ = CloseAsync(connection);
        }
    }

    /// <summary>Says goodbye (Terminate) so the backend does not log an EOF, then closes.</summary>
    private static async Task CloseAsync(ServerConnection connection)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await StreamMessageIo.WriteAsync(connection.Stream, Terminate.Write, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or NotSupportedException)
        {
            // Already gone.
        }

        await connection.DisposeAsync();
    }

    /// <summary>
    /// Who the session is for and what it started with, each part length-prefixed so that no two different callers or
    /// settings make the same key (a subject with a space in it, an application_name that looks like another's).
    /// </summary>
    internal static string Key(IReadOnlyList<KeyValuePair<string, string>> parameters, string? role, GatewayIdentity caller)
    {
        var key = new StringBuilder();
        Append(key, caller.Issuer ?? "");
        Append(key, caller.Subject);
        foreach (string group in caller.Groups.Order(StringComparer.Ordinal))
        {
            Append(key, group);
        }

        Append(key, role ?? "");
        foreach ((string name, string value) in parameters)
        {
            Append(key, name);
            Append(key, value);
        }

        return key.ToString();

        static void Append(StringBuilder key, string part) =>
            key.Append(part.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(part);
    }

    public async ValueTask DisposeAsync()
    {
        List<ServerConnection> all;
        lock (_idle)
        {
            _disposed = true;
        }

        all = TakeAllIdle();
        if (_sweeper is not null)
        {
            await _sweeper.DisposeAsync();
        }

        await Task.WhenAll(all.Select(CloseAsync));
    }

    [LoggerMessage(EventId = EventIds.ServerSessionResetFailed, Level = LogLevel.Information, Message = "Server session {ProcessId} could not be reset for reuse and was ended: {Reason}")]
    private partial void LogResetFailed(int processId, string reason);
}
