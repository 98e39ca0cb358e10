using System.Buffers;
using System.Net.Security;
using System.Security.Authentication;
using HoopGate.Gateway.Authentication;
using HoopGate.Gateway.Upstream;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Gateway.Sessions;

internal sealed partial class ClientSession
{
    // A token is a few kilobytes; this only bounds a hostile client.
    private const int MaxPasswordMessageLength = 64 * 1024;

    // GSSENCRequest, SSLRequest, StartupMessage: a fourth packet means the client is looping.
    private const int MaxNegotiationPackets = 3;

    /// <summary>Steps 1-3. Returns false when the session ended during startup (answered, cancelled or refused).</summary>
    private async Task<bool> StartAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(_services.Options.StartupTimeoutSeconds));
        StartupMessage? startup;
        try
        {
            startup = await NegotiateAsync(timeout.Token);
            if (startup is null)
            {
                return false;
            }

            if (!await AdmitAsync(startup))
            {
                return false;
            }

            ClientCredentials? credentials = await ReadPasswordAsync(startup, timeout.Token);
            if (credentials is null)
            {
                return false;
            }

            AuthenticationResult result = await _services.Authenticator.AuthenticateAsync(credentials, timeout.Token);
            if (!result.Succeeded)
            {
                _services.AuthenticationEvents.Failed(credentials.User, credentials.Database, RemoteEndPoint, _clientTls, result.SqlState, result.Message);
                TimeSpan delay = _services.Throttle.RecordFailure(RemoteEndPoint);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, stopping);
                }

                await TryWriteFatalAsync(result.SqlState, result.Message);
                return false;
            }

            _services.Throttle.RecordSuccess(RemoteEndPoint);
            _services.AuthenticationEvents.Succeeded(result.Identity!, credentials.Database, RemoteEndPoint, _clientTls);

            _identity = result.Identity;
            _grant = result.Grant;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            LogStartupFailed("startup timed out");
            await TryWriteFatalAsync(SqlState.ProtocolViolation, "startup timed out");
            return false;
        }
        catch (PgProtocolException ex)
        {
            LogStartupFailed(ex.Message);
            await TryWriteFatalAsync(ex.SqlState, ex.Message);
            return false;
        }
        catch (AuthenticationException ex)
        {
            LogStartupFailed("TLS handshake failed: " + ex.Message);
            return false;
        }
        catch (EndOfStreamException)
        {
            // The client went away during startup (a port probe, or a cancelled connect).
            return false;
        }

        // 2. The server session, with the gateway's credentials: a kept one of the same caller and settings, or a new one.
        try
        {
            _clientApplication = startup["application_name"];
            _server = await _services.ServerSessions.AcquireAsync(ServerParameters(startup), _grant.UpstreamRole, _identity!, stopping);
        }
        catch (ServerConnectionException ex)
        {
            LogServerConnectFailed(ex.Message);
            await WriteServerRefusalAsync(ex);
            return false;
        }

        // 2b. No result may leave before the gateway knows which columns to mask: the database's catalog first.
        try
        {
            _masking = new HoopGate.Masking.MaskingSession(_services.Catalog, _database, _services.PseudonymKey);
            await _masking.RefreshAsync(stopping);
        }
        catch (HoopGate.Masking.Catalog.CatalogUnavailableException ex)
        {
            LogStartupFailed(ex.Message);
            await TryWriteFatalAsync(SqlState.CannotConnectNow, "the gateway cannot read the database's catalog, so it cannot mask results", hint: "see the gateway log");
            return false;
        }

        // 3. Greet the client as the server would, with a cancel key of our own.
        _clientKey = _services.CancelRegistry.Register(_server.KeyData, () => _reviews?.CancelWaiting() ?? false);
        BackendKeyData clientKey = _clientKey.Value;
        ServerConnection server = _server;
        await StreamMessageIo.WriteAsync(
            _clientStream,
            w =>
            {
                AuthenticationRequest.Ok.WriteTo(w);
                foreach (ParameterStatus parameter in server.Parameters)
                {
                    parameter.WriteTo(w);
                }

                clientKey.WriteTo(w);
                new ReadyForQuery(server.TransactionStatus).WriteTo(w);
            },
            stopping);
        return true;
    }

    /// <summary>Answers SSLRequest and GSSENCRequest, serves a CancelRequest, and returns the StartupMessage.</summary>
    private async Task<StartupMessage?> NegotiateAsync(CancellationToken cancellationToken)
    {
        for (int packets = 0; packets < MaxNegotiationPackets; packets++)
        {
            var packet = new ReadOnlySequence<byte>(
                await StreamMessageIo.ReadStartupPacketAsync(_clientStream, _services.Options.MaxStartupPacketLength, cancellationToken));
            switch (StartupPacket.GetKind(packet))
            {
                case StartupPacketKind.SSLRequest:
                    if (_clientTls)
                    {
                        ThrowHelper.ThrowProtocolViolation("SSLRequest over an encrypted connection");
                    }

                    if (_services.Certificate is null)
                    {
                        await WriteByteAsync(SSLRequest.Refuse, cancellationToken);
                        continue;
                    }

                    await WriteByteAsync(SSLRequest.Accept, cancellationToken);
                    var ssl = new SslStream(_clientStream, leaveInnerStreamOpen: false);
                    await ssl.AuthenticateAsServerAsync(
                        new SslServerAuthenticationOptions
                        {
                            ServerCertificate = _services.Certificate,
                            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                            ClientCertificateRequired = false,
                        },
                        cancellationToken);
                    _clientStream = ssl;
                    _clientTls = true;
                    continue;

                case StartupPacketKind.GSSENCRequest:
                    await WriteByteAsync(SSLRequest.Refuse, cancellationToken);
                    continue;

                case StartupPacketKind.CancelRequest:
                    if (!await _services.CancelRegistry.HandleAsync(CancelRequest.Read(packet), cancellationToken)
                        && !_services.CancelRegistry.IsPeer(RemoteEndPoint))
                    {
                        // Guessing keys (a pid is easy to learn, the secret is not) gets slower with every miss from
                        // the address; the connection is held meanwhile, and the per-address limit bounds how many.
                        // A peer instance forwarding its clients' cancels is not the guesser.
                        TimeSpan delay = _services.CancelThrottle.RecordFailure(RemoteEndPoint);
                        if (delay > TimeSpan.Zero)
                        {
                            try
                            {
                                await Task.Delay(delay, cancellationToken);
                            }
                            catch (OperationCanceledException)
                            {
                                // Startup timeout or shutdown: the connection closes now, as it would have.
                            }
                        }
                    }

                    return null;

                case StartupPacketKind.UnsupportedProtocolVersion:
                    int version = PgFraming.ReadInt32(packet);
                    throw new PgProtocolException(
                        SqlState.FeatureNotSupported,
                        "unsupported frontend protocol " + StartupPacket.MajorVersion(version).ToString(System.Globalization.CultureInfo.InvariantCulture) + "."
                        + StartupPacket.MinorVersion(version).ToString(System.Globalization.CultureInfo.InvariantCulture) + ": server supports 3.0 to 3.0");

                default:
                    StartupMessage startup = StartupMessage.Read(packet);
                    await NegotiateMinorVersionAsync(startup, StartupPacket.MinorVersion(startup.ProtocolVersion), cancellationToken);
                    return startup;
            }
        }

        throw new PgProtocolException("too many startup negotiation packets");
    }

    /// <summary>
    /// A 3.x client (x &gt; 0) or one asking for protocol options (<c>_pq_.*</c>) is told we speak 3.0 with none
    /// of those options, by NegotiateProtocolVersion, before authentication — as PostgreSQL does.
    /// </summary>
    private async Task NegotiateMinorVersionAsync(StartupMessage startup, int minor, CancellationToken cancellationToken)
    {
        var unsupported = new List<string>();
        foreach (KeyValuePair<string, string> parameter in startup.Parameters)
        {
            if (parameter.Key.StartsWith("_pq_.", StringComparison.Ordinal))
            {
                unsupported.Add(parameter.Key);
            }
        }

        if (minor == 0 && unsupported.Count == 0)
        {
            return;
        }

        await StreamMessageIo.WriteAsync(_clientStream, new NegotiateProtocolVersion(0, unsupported).WriteTo, cancellationToken);
    }

    /// <summary>Connection limits, TLS requirement and startup parameters, all before a password is asked.</summary>
    private async Task<bool> AdmitAsync(StartupMessage startup)
    {
        if (_admission.Rejection is { } rejection)
        {
            LogStartupFailed(rejection);
            await TryWriteFatalAsync(SqlState.TooManyConnections, rejection);
            return false;
        }

        if ((_services.Options.Tls.Required || _services.Authenticator.RequiresTls) && !_clientTls)
        {
            LogStartupFailed("TLS required");
            await TryWriteFatalAsync(
                SqlState.InvalidAuthorizationSpecification,
                "the gateway requires TLS",
                hint: "connect with sslmode=require; the password is a bearer token and must not cross the network in the clear");
            return false;
        }

        if (string.IsNullOrEmpty(startup["user"]))
        {
            await TryWriteFatalAsync(SqlState.InvalidAuthorizationSpecification, "no PostgreSQL user name specified in startup packet");
            return false;
        }

        foreach (KeyValuePair<string, string> parameter in startup.Parameters)
        {
            string? refusal = CheckStartupParameter(parameter.Key, parameter.Value);
            if (refusal is not null)
            {
                LogStartupFailed(refusal);
                await TryWriteFatalAsync(
                    parameter.Key == "replication" ? SqlState.FeatureNotSupported : SqlState.InsufficientPrivilege, refusal);
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Settings every server session starts with, whatever the client asked: policy analyses SQL as UTF-8 with standard
    /// conforming strings, and only under these does the server read the same statements (in SJIS or BIG5 a backslash
    /// can hide inside a character; with standard_conforming_strings off, backslashes end strings elsewhere). A client
    /// that asked for another encoding learns the real one from ParameterStatus, as libpq and Npgsql expect.
    /// </summary>
    private static readonly Dictionary<string, string> PinnedServerParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["client_encoding"] = "UTF8",
        ["standard_conforming_strings"] = "on",
    };

    private string? CheckStartupParameter(string name, string value)
    {
        switch (name)
        {
            case "user":
            case "database":
                return null;
            case "replication":
                return "replication connections are not supported by the gateway";
            case "options":
                foreach (string setting in StartupOptions.Parse(value))
                {
                    if (!_services.AllowedParameters.Contains(setting) || PinnedServerParameters.ContainsKey(setting))
                    {
                        return "setting \"" + setting + "\" cannot be set through the gateway";
                    }
                }

                return null;
            default:
                if (name.StartsWith("_pq_.", StringComparison.Ordinal))
                {
                    return null;
                }

                return _services.AllowedParameters.Contains(name) ? null : "parameter \"" + name + "\" cannot be set through the gateway";
        }
    }

    /// <summary>Asks for the password (AuthenticationCleartextPassword) and reads it.</summary>
    private async Task<ClientCredentials?> ReadPasswordAsync(StartupMessage startup, CancellationToken cancellationToken)
    {
        await StreamMessageIo.WriteAsync(_clientStream, AuthenticationRequest.CleartextPassword.WriteTo, cancellationToken);
        (byte code, byte[] body) = await StreamMessageIo.ReadMessageAsync(_clientStream, MaxPasswordMessageLength, cancellationToken);
        if (code != (byte)FrontendMessageCode.PasswordMessage)
        {
            ThrowHelper.ThrowProtocolViolation(
                "expected password response, got message type " + code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        PasswordMessage password = PasswordMessage.Read(new ReadOnlySequence<byte>(body));
        string user = startup["user"]!;
        _database = startup["database"] is { Length: > 0 } database ? database : user;
        if (password.Password.Length == 0)
        {
            await TryWriteFatalAsync(SqlState.InvalidPassword, "empty password returned by client");
            return null;
        }

        return new ClientCredentials(user, _database, password.Password, _clientTls, RemoteEndPoint);
    }

    /// <summary>
    /// What the server session starts with: the database, allowed settings, and an application_name that leads with
    /// the caller's subject (the client's own name kept after it), so a DBA sees who is behind each backend in
    /// pg_stat_activity.
    /// </summary>
    private List<KeyValuePair<string, string>> ServerParameters(StartupMessage startup)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("database", _database) };
        foreach (KeyValuePair<string, string> parameter in startup.Parameters)
        {
            if (parameter.Key is "user" or "database" or "application_name"
                || parameter.Key.StartsWith("_pq_.", StringComparison.Ordinal)
                || PinnedServerParameters.ContainsKey(parameter.Key))
            {
                continue;
            }

            parameters.Add(parameter);
        }

        foreach (KeyValuePair<string, string> pinned in PinnedServerParameters)
        {
            parameters.Add(pinned);
        }

        string application = _identity!.Subject;
        if (startup["application_name"] is { Length: > 0 } clientApplication)
        {
            application += " " + clientApplication;
        }

        parameters.Add(new("application_name", application));
        return parameters;
    }

    /// <summary>
    /// The server refused or was unreachable. Its own errors (no such database, too many connections) pass
    /// through; a refusal of the gateway's credentials does not, as it would describe the server's roles.
    /// </summary>
    private Task WriteServerRefusalAsync(ServerConnectionException ex)
    {
        ErrorResponse? error = ex.ServerError;
        if (error?.SqlState is { } state && !state.StartsWith("28", StringComparison.Ordinal))
        {
            return TryWriteAsync(w => ErrorResponse.Create(ErrorResponse.Fatal, state, error.Message ?? "the server refused the session", error.Detail, error.Hint).WriteTo(w));
        }

        return error is not null
            ? TryWriteFatalAsync(SqlState.SqlServerRejectedEstablishmentOfSqlConnection, "the server refused the gateway's session", hint: "the gateway's server credentials are wrong; see the gateway log")
            : TryWriteFatalAsync(SqlState.ConnectionFailure, "could not connect to the server", hint: "the server is down or unreachable from the gateway; see the gateway log");
    }

    private async Task WriteByteAsync(byte value, CancellationToken cancellationToken)
    {
        await _clientStream.WriteAsync(new[] { value }, cancellationToken);
        await _clientStream.FlushAsync(cancellationToken);
    }

    /// <summary>Writes a FATAL on the startup stream; the client may already be gone.</summary>
    private Task TryWriteFatalAsync(string sqlState, string message, string? hint = null) =>
        TryWriteAsync(w => ErrorResponse.Create(ErrorResponse.Fatal, sqlState, message, hint: hint).WriteTo(w));

    private async Task TryWriteAsync(Action<IBufferWriter<byte>> write)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await StreamMessageIo.WriteAsync(_clientStream, write, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or NotSupportedException)
        {
            // The client is gone; there is nobody to tell.
        }
    }
}
