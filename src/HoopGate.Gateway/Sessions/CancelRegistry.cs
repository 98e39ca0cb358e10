using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Upstream;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Frontend;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// Routes CancelRequests. A client's BackendKeyData carries the server backend's real process id (so
/// <c>pg_backend_pid()</c> and the client agree) and a secret of the gateway's own; the server's secret never
/// leaves the gateway. With several instances, the secret's top byte is the instance id, and a request that
/// lands on the wrong instance is forwarded to the right one.
/// </summary>
internal sealed partial class CancelRegistry
{
    private readonly ConcurrentDictionary<long, Registration> _sessions = new();
    private readonly ServerConnector _connector;
    private readonly int _instanceId;
    private readonly Dictionary<int, string> _peers = [];
    private readonly HashSet<IPAddress> _peerAddresses = [];
    private readonly ILogger<CancelRegistry> _logger;

    public CancelRegistry(IOptions<GatewayOptions> options, ServerConnector connector, ILogger<CancelRegistry> logger)
    {
        _connector = connector;
        _logger = logger;
        _instanceId = options.Value.InstanceId;
        foreach ((string id, string address) in options.Value.Peers)
        {
            _peers[int.Parse(id, System.Globalization.CultureInfo.InvariantCulture)] = address;
            if (IPAddress.TryParse(address[..Math.Max(address.LastIndexOf(':'), 0)].Trim('[', ']'), out IPAddress? ip))
            {
                _peerAddresses.Add(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
            }
        }
    }

    public int Count => _sessions.Count;

    /// <summary>Whether <paramref name="remote"/> is a configured peer instance (by address; peers named by host name are not recognised).</summary>
    public bool IsPeer(EndPoint? remote) =>
        remote is IPEndPoint { Address: { } address } && _peerAddresses.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>Issues the key a client gets for a server session.</summary>
    /// <param name="serverKey">The server session's own key.</param>
    /// <param name="cancelHeld">Withdraws a statement the session holds for approval (true when there was one).</param>
    public BackendKeyData Register(BackendKeyData serverKey, Func<bool>? cancelHeld = null)
    {
        while (true)
        {
            int secret = RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
            if (_instanceId != 0)
            {
                secret = (secret & 0x00FF_FFFF) | (_instanceId << 24);
            }

            var clientKey = new BackendKeyData(serverKey.ProcessId, secret);
            if (_sessions.TryAdd(KeyOf(clientKey), new Registration(serverKey, cancelHeld)))
            {
                return clientKey;
            }
        }
    }

    /// <summary>
    /// Forgets a client key. Returns true when a cancel for it is still on its way to the server: the server session
    /// must then not serve another client, whose statement the cancel could hit.
    /// </summary>
    public bool Unregister(BackendKeyData clientKey)
    {
        if (!_sessions.TryRemove(KeyOf(clientKey), out Registration? registration))
        {
            return false;
        }

        lock (registration)
        {
            registration.Unregistered = true;
            return registration.CancelsInFlight > 0;
        }
    }

    /// <summary>
    /// Cancels the matching session's running statement, here or on the instance that owns the key.
    /// An unknown key is ignored silently, as PostgreSQL does, so that keys cannot be probed; false then (the caller
    /// slows that address down, so that keys cannot be guessed either).
    /// </summary>
    public async Task<bool> HandleAsync(CancelRequest request, CancellationToken cancellationToken)
    {
        var clientKey = new BackendKeyData(request.ProcessId, request.SecretKey);
        if (_sessions.TryGetValue(KeyOf(clientKey), out Registration? target))
        {
            // A statement waiting for approval has not reached the server: withdrawing its request is the cancel.
            if (target.CancelHeld?.Invoke() == true)
            {
                LogCancelWithdrewReview(request.ProcessId);
                return true;
            }

            lock (target)
            {
                if (target.Unregistered)
                {
                    LogCancelIgnored(request.ProcessId);
                    return false;
                }

                target.CancelsInFlight++;
            }

            try
            {
                LogCancelForwardedToServer(request.ProcessId);
                await _connector.SendCancelAsync(target.ServerKey, cancellationToken);
            }
            finally
            {
                lock (target)
                {
                    target.CancelsInFlight--;
                }
            }

            return true;
        }

        int owner = (int)((uint)request.SecretKey >> 24);
        if (_instanceId != 0 && owner != _instanceId && _peers.TryGetValue(owner, out string? peer))
        {
            LogCancelForwardedToPeer(request.ProcessId, owner);
            await ForwardToPeerAsync(peer, request, cancellationToken);
            return true;
        }

        LogCancelIgnored(request.ProcessId);
        return false;
    }

    private static long KeyOf(BackendKeyData key) => ((long)key.ProcessId << 32) | (uint)key.SecretKey;

    private sealed class Registration(BackendKeyData serverKey, Func<bool>? cancelHeld)
    {
        public BackendKeyData ServerKey { get; } = serverKey;

        public Func<bool>? CancelHeld { get; } = cancelHeld;

        public bool Unregistered { get; set; }

        public int CancelsInFlight { get; set; }
    }

    private static async Task ForwardToPeerAsync(string peer, CancelRequest request, CancellationToken cancellationToken)
    {
        int colon = peer.LastIndexOf(':');
        string host = peer[..colon];
        int port = int.Parse(peer[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        using Socket socket = await TcpConnect.ConnectAsync(host, port, timeout.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await StreamMessageIo.WriteAsync(stream, request.WriteTo, timeout.Token);
        byte[] sink = new byte[1];
        _ = await stream.ReadAsync(sink, timeout.Token);
    }

    [LoggerMessage(EventId = EventIds.CancelForwardedToServer, Level = LogLevel.Information, Message = "Cancel request for backend {ProcessId} sent to the server")]
    private partial void LogCancelForwardedToServer(int processId);

    [LoggerMessage(EventId = EventIds.CancelForwardedToPeer, Level = LogLevel.Information, Message = "Cancel request for backend {ProcessId} forwarded to instance {InstanceId}")]
    private partial void LogCancelForwardedToPeer(int processId, int instanceId);

    [LoggerMessage(EventId = EventIds.CancelWithdrewReview, Level = LogLevel.Information, Message = "Cancel request for backend {ProcessId} withdrew the statement it held for approval")]
    private partial void LogCancelWithdrewReview(int processId);

    [LoggerMessage(EventId = EventIds.CancelIgnored, Level = LogLevel.Debug, Message = "Cancel request for backend {ProcessId} matches no session; ignored")]
    private partial void LogCancelIgnored(int processId);
}
