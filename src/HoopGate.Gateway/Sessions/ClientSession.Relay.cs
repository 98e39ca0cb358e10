using System.Buffers;
using System.Net.Sockets;
using HoopGate.Gateway.Interception;
using HoopGate.Gateway.Upstream;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Gateway.Sessions;

internal sealed partial class ClientSession
{
    // Receive buffers start small so that 1,000 idle sessions stay cheap, grow while a read fills them (a large
    // result streams in fewer, larger reads), and shrink back once a read leaves nothing behind.
    private const int ClientBufferSize = 4 * 1024;
    private const int ServerBufferSize = 16 * 1024;
    private const int MaxBufferSize = 256 * 1024;

    private PgProtocolException? _violation;

    // What the server-to-client pump had read but not relayed when it stopped: a server session is kept only at 0.
    private int _serverBytesLeft = -1;

    // Guards handing the server session on against a late shutdown stopping its receive.
    private readonly Lock _serverSideLock = new();
    private volatile bool _stopPumps;
    private RelayConnection? _clientSide;
    private RelayConnection? _serverSide;
    private BackendRelay? _toClient;
    private SessionReviews? _reviews;

    /// <summary>Steps 4-5: relay both directions until one ends, then close the session cleanly.</summary>
    private async Task RelayAsync()
    {
        ServerConnection server = _server!;
        var client = new RelayConnection(_socket, _clientTls ? _clientStream : null);
        var upstream = new RelayConnection(server.Socket, server.IsTls ? server.Stream : null, cancellableReceive: _services.ServerSessions.Enabled);
        var gate = new StatementGate(_services.Policy, _services.Analyses, _identity!.Groups, _masking);
        SessionAudit? audit = StartAudit();

        // A Parse is settled when the server has answered it: a Bind in a later batch then knows what it binds.
        _model.RequestCompleted += (_, outcome, tag) =>
        {
            if (tag is StatementContext { Parsed: { } parsed })
            {
                parsed.Settle(outcome == RequestOutcome.Completed);
            }
        };
        if (_masking is { } masking)
        {
            // A Query skipped after an error (or ended unanswered): the cursor and prepared names it would change did not.
            _model.RequestCompleted += (_, _, tag) =>
            {
                if (tag is StatementContext { Portal: null, DescribeTarget: null } query)
                {
                    query.Abandon(masking);
                }
            };
        }

        SessionReviews? reviews = audit is not null && _services.Approvals is { } approvals
            ? new SessionReviews(approvals, _identity, _database, _services.AuditSpool!.InstanceId, audit.SessionId, () => client.PeerClosed)
            : null;
        _reviews = reviews;
        using var toServer = new FrontendRelay(
            _model, gate, audit, _masking, _services.Options.MaxMessageLength, _services.Options.MaxStreamedMessageLength, reviews)
        {
            Refused = (decision, analysis) => LogStatementRefused(decision.Action, decision.Rule, analysis.Fingerprint, analysis.NormalizedText),
        };
        using var toClient = new BackendRelay(_model, _masking, _services.Options.MaxMessageLength, _services.Options.MaxStreamedMessageLength, _services.Metrics)
        {
            ParameterChanged = server.Apply,
        };
        _clientSide = client;
        _serverSide = upstream;
        Volatile.Write(ref _toClient, toClient);
        if (_shutdownRequested)
        {
            WakeForShutdown();
        }

        using Timer? deadline = StartDeadline();
        try
        {
            Task<PumpResult> clientToServer = PumpAsync(client, upstream, toServer, ClientBufferSize);
            Task<PumpResult> serverToClient = PumpAsync(upstream, client, toClient, ServerBufferSize);
            Task<PumpResult> first = await Task.WhenAny(clientToServer, serverToClient);

            // The other direction has nobody left to serve: stop its receive (sending still works, for the goodbye).
            _stopPumps = true;
            PumpResult clientResult, serverResult;
            bool keepServer = false;
            if (first == clientToServer)
            {
                clientResult = await clientToServer;

                // A clean goodbye leaves the server session usable for another client: its receive is cancelled, not shut.
                keepServer = MayKeepServer(clientResult, toServer);
                if (keepServer)
                {
                    upstream.CancelReceive();
                }
                else
                {
                    upstream.StopReceiving();
                }

                serverResult = await StopAsync(serverToClient, upstream);
                keepServer = keepServer && serverResult == PumpResult.Stopped && _serverBytesLeft == 0 && toClient.AtMessageBoundary
                    && !toClient.ServerSentFatal && MayKeepServer(clientResult, toServer);
            }
            else
            {
                client.StopReceiving();
                serverResult = await serverToClient;
                clientResult = await StopAsync(clientToServer, client);
            }

            await EndAsync(client, upstream, toClient, clientResult, serverResult, first == clientToServer, keepServer);
        }
        finally
        {
            reviews?.End();

            // What the server had not answered when the session ended still gets its finish record.
            _model.InterruptPending();
            audit?.SessionEnded(_model.Terminated ? "client terminated" : _endReason, _model.StatementsCompleted + _model.StatementsFailed);
            LogSessionEnded(_model.StatementsCompleted, _model.StatementsFailed, toServer.BytesForwarded, toClient.BytesForwarded);
            toClient.ReportMaskedValues();
            if (_model.Anomalies > 0)
            {
                LogTrackingAnomaly(_model.Anomalies);
            }
        }
    }

    /// <summary>The session's audit trail: its start record now, its statements' records as they run.</summary>
    private SessionAudit? StartAudit()
    {
        if (_services.AuditSpool is not { } spool)
        {
            return null;
        }

        var audit = new SessionAudit(spool, _services.AuditOptions, _services.AuditParameters!, _services.Metrics);
        audit.SessionStarted(new HoopGate.Audit.SessionStartEvent
        {
            SessionId = audit.SessionId,
            Subject = _identity!.Subject,
            Issuer = _identity.Issuer,
            Email = _identity.Email,
            ClientId = _identity.ClientId,
            Groups = _identity.Groups,
            ClientAddress = (RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString(),
            Application = _clientApplication,
            Database = _database,
            UpstreamRole = _grant.UpstreamRole,
            ClientTls = _clientTls,
            ServerProcessId = _server!.KeyData.ProcessId,
        });
        _model.RequestCompleted += (_, outcome, tag) =>
        {
            if (tag is StatementContext { Audit: { } statement })
            {
                if (outcome is RequestOutcome.Failed or RequestOutcome.Skipped && statement.SqlState is null)
                {
                    // It failed with (or was skipped after) an error answered to an earlier request of its batch.
                    (string? sqlState, string? message) = _model.LastError;
                    statement.SetError(sqlState, message);
                }

                audit.StatementFinished(statement, outcome);
            }
        };
        return audit;
    }

    /// <summary>Ends the session when its grant runs out: at token expiry (28P01) or at its maximum lifetime (57P05).</summary>
    private Timer? StartDeadline()
    {
        if (_grant.EndsAt is not { } endsAt)
        {
            return null;
        }

        TimeSpan due = endsAt - DateTimeOffset.UtcNow;
        due = due < TimeSpan.Zero ? TimeSpan.Zero : due;

        // System.Threading.Timer takes at most ~49 days; a session that long is re-checked then.
        if (due > TimeSpan.FromDays(30))
        {
            due = TimeSpan.FromDays(30);
        }

        ErrorResponse reason = _grant.EndsAtTokenExpiry
            ? ErrorResponse.Create(ErrorResponse.Fatal, SqlState.InvalidPassword, "terminating connection because the token expired", hint: "reconnect with a fresh token")
            : ErrorResponse.Create(ErrorResponse.Fatal, SqlState.IdleSessionTimeout, "terminating connection because the session reached its maximum lifetime");
        return new Timer(_ => _ = End(reason), null, due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Waits for a stopped pump; one stuck sending to a peer that reads nothing is cut off.</summary>
    private static async Task<PumpResult> StopAsync(Task<PumpResult> pump, RelayConnection input)
    {
        try
        {
            return await pump.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            input.Close();
            return await pump;
        }
    }

    /// <summary>
    /// Whether the server session may serve another client, as far as the client's side tells: the client said Terminate
    /// with nothing in flight, outside a transaction and with every extended-protocol batch closed by a Sync (a simple
    /// Query after an unsynced Execute would commit its work), nothing ran that DISCARD ALL would not undo, the session
    /// model never lost track of the server, and nobody is ending the session.
    /// </summary>
    private bool MayKeepServer(PumpResult clientResult, FrontendRelay toServer) =>
        _services.ServerSessions.Enabled
        && clientResult == PumpResult.Finished && _model.Terminated
        && Volatile.Read(ref _forcedEnd) is null && !_shutdownRequested && !_abortRequested
        && _model.IsIdle && _model.TransactionStatus == TransactionStatus.Idle && _model.Anomalies == 0
        && toServer.BetweenBatches && toServer.AtMessageBoundary && !toServer.OutlivesDiscard;

    /// <summary>Step 5: tell the client what ended the session, and let the server know the client is gone.</summary>
    private async Task EndAsync(
        RelayConnection client, RelayConnection upstream, BackendRelay toClient, PumpResult clientResult, PumpResult serverResult, bool clientEndedFirst,
        bool keepServer)
    {
        ErrorResponse? fatal = null;
        if (_forcedEnd is not null)
        {
            fatal = _forcedEnd;
            _endReason = fatal.Message ?? "ended by the gateway";
        }
        else if (clientEndedFirst && clientResult == PumpResult.ProtocolViolation)
        {
            LogProtocolViolation(_violation!.Message);
            fatal = ErrorResponse.Create(ErrorResponse.Fatal, _violation.SqlState, _violation.Message);
            _endReason = _violation.Message;
        }
        else if (!clientEndedFirst && serverResult == PumpResult.ProtocolViolation)
        {
            LogProtocolViolation("server: " + _violation!.Message);
            fatal = ErrorResponse.Create(ErrorResponse.Fatal, SqlState.ProtocolViolation, "the server sent a message the gateway does not relay");
        }
        else if (_shutdownRequested && serverResult is PumpResult.Finished or PumpResult.Stopped)
        {
            fatal = ErrorResponse.Create(ErrorResponse.Fatal, SqlState.AdminShutdown, "terminating connection due to gateway shutdown");
            _endReason = "gateway shutdown";
        }
        else if (!clientEndedFirst && serverResult == PumpResult.InputClosed && !toClient.ServerSentFatal)
        {
            fatal = ErrorResponse.Create(ErrorResponse.Fatal, SqlState.ConnectionFailure, "server closed the connection unexpectedly");
            _endReason = "server closed the connection";
        }

        // A FATAL can only follow a whole message: after a half-forwarded DataRow the client just sees the close.
        if (fatal is not null && toClient.AtMessageBoundary && serverResult != PumpResult.OutputClosed)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            fatal.WriteTo(buffer);
            await SendQuietlyAsync(client, buffer.WrittenMemory);
        }

        if (_abortRequested && !_model.IsIdle)
        {
            // The statement would otherwise run to its end on the server after the client is gone.
            await TryCancelServerStatementAsync();
        }

        if (keepServer)
        {
            // Nothing of this client may reach the server session's next one: its cancel key goes first (a cancel on its
            // way to the server now could hit the next client's statement, so then the server session ends instead), and
            // a shutdown or an administrator's end arriving late must not stop the receive of a socket handed on.
            bool cancelInFlight = false;
            if (_clientKey is { } key)
            {
                cancelInFlight = _services.CancelRegistry.Unregister(key);
                _clientKey = null;
            }

            lock (_serverSideLock)
            {
                keepServer = !cancelInFlight && Volatile.Read(ref _forcedEnd) is null && !_shutdownRequested && !_abortRequested;
                if (keepServer)
                {
                    _serverSide = null;
                }
            }
        }

        if (keepServer)
        {
            ServerConnection server = _server!;
            _server = null;
            _services.ServerSessions.Release(server);
        }
        else if (serverResult != PumpResult.InputClosed && clientResult != PumpResult.OutputClosed)
        {
            // Say goodbye properly (for the client, whose Terminate the relay keeps) so the backend does not log an EOF.
            var terminate = new ArrayBufferWriter<byte>(5);
            Terminate.Write(terminate);
            await SendQuietlyAsync(upstream, terminate.WrittenMemory);
        }
    }

    /// <summary>
    /// One direction: receive what is there, relay every whole message (streaming data ones), send what was
    /// forwarded in one call, and only then receive again — so a slow reader holds the relay back instead of
    /// making the gateway buffer.
    /// </summary>
    private async Task<PumpResult> PumpAsync(RelayConnection input, RelayConnection output, MessageRelay relay, int initialSize)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(initialSize);
        int filled = 0;
        using var forwarded = new OutputBuffer();
        Action<long> countSent = relay is FrontendRelay ? _services.Metrics.AddBytesToServer : _services.Metrics.AddBytesToClient;
        bool resumed = false;
        try
        {
            while (true)
            {
                // After a hold, what is buffered is relayed again before anything more is read.
                if (!resumed)
                {
                    if (filled == buffer.Length)
                    {
                        buffer = Resize(buffer, filled, Math.Min(buffer.Length * 2, MaxBufferSize));
                    }

                    int received = await input.ReceiveAsync(buffer.AsMemory(filled));
                    if (received == 0)
                    {
                        return Ended(relay);
                    }

                    filled += received;
                }

                resumed = false;

                // Masking: after DDL, or on a relation the snapshot did not know, the catalog is read before more SQL goes up.
                if (relay is FrontendRelay { NeedsCatalogRefresh: true } refreshing)
                {
                    await refreshing.RefreshCatalogAsync();
                }

                var sequence = new ReadOnlySequence<byte>(buffer, 0, filled);
                RelayAction action = relay.Process(ref sequence, forwarded);
                int left = (int)sequence.Length;
                if (left > 0 && left < filled)
                {
                    Buffer.BlockCopy(buffer, filled - left, buffer, 0, left);
                }

                bool grewFull = filled == buffer.Length;
                filled = left;
                if (filled == 0 && buffer.Length > initialSize && !grewFull)
                {
                    buffer = Resize(buffer, 0, initialSize);
                }

                if (forwarded.WrittenCount > 0)
                {
                    // Masking: a statement named a relation the catalog snapshot lacks; read it before the statement runs.
                    if (relay is FrontendRelay { NeedsCatalogRefresh: true } stale)
                    {
                        await stale.RefreshCatalogAsync();
                    }

                    // Strict audit: no statement leaves before its start record is on disk (one group commit per pass).
                    if (relay is FrontendRelay front && !await front.WaitAuditDurableAsync())
                    {
                        throw new PgProtocolException(SqlState.InsufficientResources, "the audit trail cannot be written; the session ends rather than run statements without it");
                    }

                    await output.SendAsync(forwarded.WrittenMemory);
                    countSent(forwarded.WrittenCount);

                    forwarded.Reset();
                }

                if (action == RelayAction.Hold && relay is FrontendRelay holding)
                {
                    // A statement held for approval: what came before it has gone up; now its review, then the rest.
                    await holding.ResolveHeldAsync();
                    if (_stopPumps)
                    {
                        return PumpResult.Stopped;
                    }

                    resumed = true;
                    continue;
                }

                if (action != RelayAction.Forward)
                {
                    return PumpResult.Finished;
                }
            }
        }
        catch (PgProtocolException ex)
        {
            _violation = ex;
            return PumpResult.ProtocolViolation;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // A receive or a send failed: either peer may have reset; report it as the input side closing, unless
            // we were asked to stop.
            return _stopPumps ? PumpResult.Stopped : PumpResult.InputClosed;
        }
        catch (OperationCanceledException) when (_stopPumps)
        {
            // The server session's receive was cancelled to keep it for another client.
            return PumpResult.Stopped;
        }
        finally
        {
            if (relay is BackendRelay)
            {
                _serverBytesLeft = filled;
            }

            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A receive returned end of stream: the peer closed, or the session stopped the receive on purpose.</summary>
    private PumpResult Ended(MessageRelay relay)
    {
        if (_shutdownRequested && relay is BackendRelay && (_abortRequested || (_model.IsIdle && relay.AtMessageBoundary)))
        {
            return PumpResult.Finished;
        }

        return _stopPumps || _abortRequested ? PumpResult.Stopped : PumpResult.InputClosed;
    }

    /// <summary>
    /// Graceful shutdown: the relay stops after the next ReadyForQuery that leaves the session idle; a session
    /// that is idle now is woken at once (its server receive is stopped, which the pump reads as "finished").
    /// </summary>
    private void WakeForShutdown()
    {
        // A statement waiting for approval is withdrawn: the session is ending.
        if (_abortRequested)
        {
            _reviews?.End();
        }

        BackendRelay? toClient = Volatile.Read(ref _toClient);
        if (toClient is null)
        {
            return;
        }

        toClient.StopWhenIdle = true;
        if (_abortRequested || (_model.IsIdle && toClient.AtMessageBoundary))
        {
            lock (_serverSideLock)
            {
                _serverSide?.StopReceiving();
            }
        }

        if (_abortRequested)
        {
            _clientSide?.StopReceiving();
        }
    }

    private async Task TryCancelServerStatementAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _services.Connector.SendCancelAsync(_server!.KeyData, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ServerConnectionException)
        {
            // Best effort: the Terminate that follows ends the backend once the statement is over.
        }
    }

    private static byte[] Resize(byte[] buffer, int keep, int size)
    {
        byte[] resized = ArrayPool<byte>.Shared.Rent(size);
        Buffer.BlockCopy(buffer, 0, resized, 0, keep);
        ArrayPool<byte>.Shared.Return(buffer);
        return resized;
    }

    private static async Task SendQuietlyAsync(RelayConnection connection, ReadOnlyMemory<byte> data)
    {
        try
        {
            await connection.SendAsync(data).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or TimeoutException or InvalidOperationException)
        {
            // The peer is gone.
        }
    }
}
