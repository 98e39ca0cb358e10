using System.Net;
using System.Net.Sockets;
using HoopGate.Gateway.Authentication;
using HoopGate.Gateway.Upstream;
using HoopGate.Protocol.Backend;
using Microsoft.Extensions.Logging;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// One client connection, end to end.
/// <list type="number">
/// <item>Startup: TLS negotiation, StartupMessage, limits, password → authenticator (ClientSession.Startup.cs).</item>
/// <item>Connect the server session with the gateway's own credentials.</item>
/// <item>Greet the client: AuthenticationOk, ParameterStatus, BackendKeyData (server pid, gateway secret), ReadyForQuery.</item>
/// <item>Relay both directions until either side ends (ClientSession.Relay.cs).</item>
/// <item>End: the FATAL the client is owed, Terminate to the server, close both.</item>
/// </list>
/// </summary>
internal sealed partial class ClientSession : IAsyncDisposable
{
    private static long s_nextId;

    private readonly SessionServices _services;
    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly SessionModel _model = new();
    private readonly AdmissionResult _admission;
    private Stream _clientStream;
    private bool _clientTls;
    private ServerConnection? _server;
    private BackendKeyData? _clientKey;
    private GatewayIdentity? _identity;
    private SessionGrant _grant = SessionGrant.Unrestricted;
    private ErrorResponse? _forcedEnd;
    private string _database = "";
    private HoopGate.Masking.MaskingSession? _masking;
    private string? _clientApplication;
    private string _endReason = "client disconnected";
    private volatile bool _shutdownRequested;
    private volatile bool _abortRequested;

    public ClientSession(SessionServices services, Socket socket, AdmissionResult admission)
    {
        _services = services;
        _socket = socket;
        _admission = admission;
        _logger = services.Logger;
        _clientStream = new NetworkStream(socket, ownsSocket: false);
        Id = Interlocked.Increment(ref s_nextId);
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    /// <summary>The connection id that every log line of this session carries.</summary>
    public long Id { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>When it started relaying (null while it starts).</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>What the admin API shows of it; null while it is still starting or once it is being ended.</summary>
    public Listening.SessionInfo? Describe() => _identity is { } identity && StartedAt is { } started && Volatile.Read(ref _forcedEnd) is null
        ? new Listening.SessionInfo(
            Id, identity.Subject, identity.Email ?? identity.ClientId, identity.Groups, _database, (RemoteEndPoint as IPEndPoint)?.Address.ToString(),
            _clientApplication, started, _model.StatementsCompleted + _model.StatementsFailed, _clientTls)
        : null;

    /// <summary>Runs the session to its end. Never throws for client or server behaviour.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using IDisposable? scope = _logger.BeginScope(new KeyValuePair<string, object>[] { new("ConnectionId", Id) });
        try
        {
            // 1-3. Startup, server session, greeting.
            if (!await StartAsync(stopping))
            {
                return;
            }

            LogSessionStarted(_identity!.Subject, _database, _server!.KeyData.ProcessId, _clientTls, _server.IsTls);
            _services.Metrics.SessionStarted();
            StartedAt = DateTimeOffset.UtcNow;

            // 4-5. Relay, then end.
            await RelayAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            LogSessionFailed(ex);
        }
#pragma warning disable CA1031 // The session loop is a boundary: a bug ends this session, never the gateway.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSessionBug(ex);
            await TryWriteFatalAsync(Protocol.Errors.SqlState.InternalError, "internal error in the gateway (connection " + Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")");
        }
    }

    /// <summary>Graceful shutdown: end the session with FATAL 57P01 as soon as nothing is in flight.</summary>
    public void RequestShutdown()
    {
        _shutdownRequested = true;
        WakeForShutdown();
    }

    /// <summary>
    /// Ends the session now with <paramref name="reason"/> (token expiry, maximum lifetime, an administrator), whatever is in
    /// flight. False when it was already being ended: the first reason stands.
    /// </summary>
    public bool End(ErrorResponse reason)
    {
        if (Interlocked.CompareExchange(ref _forcedEnd, reason, null) is not null)
        {
            return false;
        }

        _abortRequested = true;
        WakeForShutdown();
        return true;
    }

    /// <summary>End of the grace period: FATAL 57P01 now, whatever is in flight.</summary>
    public void Abort()
    {
        _abortRequested = true;
        _shutdownRequested = true;
        WakeForShutdown();
        if (Volatile.Read(ref _toClient) is null)
        {
            // Still starting: closing the socket ends the pending read.
            _socket.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_clientKey is { } key)
        {
            _services.CancelRegistry.Unregister(key);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _clientStream.DisposeAsync();
        _socket.Dispose();
        _admission.Dispose();
    }
}
