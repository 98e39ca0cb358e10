using HoopGate.Policy;
using HoopGate.Sql;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using HoopGate.Gateway.Authentication;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Sessions;
using HoopGate.Gateway.Upstream;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Listening;

/// <summary>
/// Accepts clients on the PostgreSQL port and runs a <see cref="ClientSession"/> for each. Shutdown is
/// graceful: stop accepting, end idle sessions at once, give busy ones <see cref="GatewayOptions.ShutdownTimeoutSeconds"/>
/// to finish, then end the rest with FATAL 57P01.
/// </summary>
public sealed partial class GatewayListener : IHostedService, IAsyncDisposable
{
    private readonly GatewayOptions _options;
    private readonly ConnectionLimiter _limiter;
    private readonly ILogger<GatewayListener> _logger;
    private readonly SessionServices _services;
    private readonly ConcurrentDictionary<long, (ClientSession Session, Task Task)> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listenSocket;
    private Task? _acceptLoop;

    internal GatewayListener(
        IOptions<GatewayOptions> options,
        ConnectionLimiter limiter,
        IClientAuthenticator authenticator,
        ServerConnector connector,
        ServerSessionPool serverSessions,
        CancelRegistry cancelRegistry,
        IAuthenticationEvents authenticationEvents,
        PolicyProvider policy,
        SqlAnalysisCache analyses,
        HoopGate.Audit.AuditOptions auditOptions,
        HoopGate.Audit.AuditSpool? auditSpool,
        HoopGate.Audit.AuditParameterHasher? auditParameters,
        HoopGate.Masking.Catalog.CatalogCache catalog,
        HoopGate.Masking.PseudonymKey pseudonymKey,
        HoopGate.Approvals.ApprovalCoordinator? approvals,
        GatewayMetrics metrics,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _limiter = limiter;
        _logger = loggerFactory.CreateLogger<GatewayListener>();
        X509Certificate2? certificate = LoadCertificate(_options.Tls);
        if (pseudonymKey.IsRandom)
        {
            LogPseudonymKeyRandom();
        }

        _services = new SessionServices(_options, certificate, authenticator, connector, serverSessions, cancelRegistry, authenticationEvents, policy, analyses, auditOptions, auditSpool, auditParameters, catalog, pseudonymKey, approvals, metrics, loggerFactory);
    }

    /// <summary>The address the gateway listens on, once started (the real port when 0 was configured).</summary>
    public IPEndPoint? LocalEndPoint => _listenSocket?.LocalEndPoint as IPEndPoint;

    /// <summary>Sessions currently open, including those still starting.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>The sessions relaying now (not those still starting), oldest first.</summary>
    public IReadOnlyList<SessionInfo> Sessions() =>
        _sessions.Values.Select(s => s.Session.Describe()).OfType<SessionInfo>().OrderBy(s => s.Id).ToList();

    /// <summary>
    /// Ends a session with FATAL 57P01 (an administrator's command); false when there is no such session relaying, including
    /// one already being ended (it may still be closing, but it is no longer open to anyone).
    /// </summary>
    public bool Terminate(long id) =>
        _sessions.TryGetValue(id, out (ClientSession Session, Task Task) entry) && entry.Session.StartedAt is not null
        && entry.Session.End(HoopGate.Protocol.Backend.ErrorResponse.Create(
            HoopGate.Protocol.Backend.ErrorResponse.Fatal, HoopGate.Protocol.Errors.SqlState.AdminShutdown, "terminating connection due to administrator command"));

    /// <summary>Binds the port and starts accepting.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Every statement is analysed by libpg_query: without it, refuse to start rather than refuse every statement.
        SqlAnalyzer.EnsureAvailable();
        var address = IPAddress.Parse(_options.ListenAddress);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, _options.Port));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _listenSocket = socket;
        LogListening(LocalEndPoint!, _services.Certificate is not null, _options.Tls.Required);
        _acceptLoop = AcceptLoopAsync(socket);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, drains sessions, and ends the rest with FATAL 57P01 after the timeout.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listenSocket is null)
        {
            return;
        }

        LogStopping(_sessions.Count);
        _listenSocket.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }

        foreach ((ClientSession session, _) in _sessions.Values)
        {
            session.RequestShutdown();
        }

        Task drained = Task.WhenAll(_sessions.Values.Select(s => s.Task));
        Task deadline = Task.Delay(TimeSpan.FromSeconds(_options.ShutdownTimeoutSeconds), cancellationToken);
        if (await Task.WhenAny(drained, deadline) != drained)
        {
            LogAborting(_sessions.Count);
            foreach ((ClientSession session, _) in _sessions.Values)
            {
                session.Abort();
            }

            await Task.WhenAny(Task.WhenAll(_sessions.Values.Select(s => s.Task)), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        }

        await _stopping.CancelAsync();
    }

    /// <summary>Releases the listening socket.</summary>
    public ValueTask DisposeAsync()
    {
        _listenSocket?.Dispose();
        _stopping.Dispose();
        _services.Certificate?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptLoopAsync(Socket listenSocket)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listenSocket.AcceptAsync();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of file descriptors or a reset during accept: keep serving everyone else.
                LogAcceptFailed(ex.SocketErrorCode.ToString());
                await Task.Delay(10);
                continue;
            }

            client.NoDelay = true;
            AdmissionResult admission = _limiter.Admit(client.RemoteEndPoint);
            if (admission.Rejection is not null)
            {
                LogConnectionRejected(client.RemoteEndPoint, admission.Rejection);
            }

            var session = new ClientSession(_services, client, admission);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task task = RunSessionAsync(session, started.Task);
            _sessions[session.Id] = (session, task);
            started.SetResult();
        }
    }

    private async Task RunSessionAsync(ClientSession session, Task registered)
    {
        // Off the accept loop, and only once the session is in the table that shutdown walks.
        await registered;
        await Task.Yield();
        try
        {
            await session.RunAsync(_stopping.Token);
        }
        finally
        {
            await session.DisposeAsync();
            _sessions.TryRemove(session.Id, out _);
        }
    }

    private static X509Certificate2? LoadCertificate(ClientTlsOptions tls)
    {
        if (string.IsNullOrEmpty(tls.CertificatePath))
        {
            return null;
        }

        using var pem = X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);

        // SslStream on Linux wants a certificate whose key is not ephemeral; a PKCS#12 round trip gives it one.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    [LoggerMessage(EventId = EventIds.ListenerStarted, Level = LogLevel.Information,
        Message = "Listening on {EndPoint} (TLS available {TlsAvailable}, TLS required {TlsRequired})")]
    private partial void LogListening(IPEndPoint endPoint, bool tlsAvailable, bool tlsRequired);

    [LoggerMessage(EventId = EventIds.ListenerStopping, Level = LogLevel.Information, Message = "Stopping: no new connections; draining {Sessions} sessions")]
    private partial void LogStopping(int sessions);

    [LoggerMessage(EventId = EventIds.SessionsAborted, Level = LogLevel.Warning, Message = "Shutdown timeout reached: ending {Sessions} sessions with FATAL 57P01")]
    private partial void LogAborting(int sessions);

    [LoggerMessage(EventId = EventIds.ConnectionRejected, Level = LogLevel.Warning, Message = "Connection from {RemoteEndPoint} over a limit: {Reason}")]
    private partial void LogConnectionRejected(EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(EventId = EventIds.PseudonymKeyRandom, Level = LogLevel.Warning,
        Message = "No HoopGate:Masking:PseudonymKey is configured: pseudonyms use a random key and change when the gateway restarts")]
    private partial void LogPseudonymKeyRandom();

    [LoggerMessage(EventId = EventIds.AcceptFailed, Level = LogLevel.Error, Message = "Accept failed: {SocketError}")]
    private partial void LogAcceptFailed(string socketError);
}
