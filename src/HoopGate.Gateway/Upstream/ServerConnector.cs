using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Sessions;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Frontend;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Upstream;

/// <summary>
/// Opens authenticated sessions with the server: TCP (TCP_NODELAY), optional or required TLS with certificate
/// checks, then SCRAM-SHA-256 (with or without channel binding), md5, cleartext or trust, with the gateway's
/// own credentials.
/// </summary>
internal sealed class ServerConnector
{
    // Server messages during startup are small; this only bounds a misbehaving server.
    private const int MaxStartupMessageLength = 1024 * 1024;

    private readonly UpstreamOptions _options;
    private readonly Func<string> _password;
    private readonly Dictionary<string, (string User, Func<string> Password)> _roles = new(StringComparer.Ordinal);
    private readonly X509Certificate2Collection? _roots;

    public ServerConnector(IOptions<UpstreamOptions> options)
    {
        _options = options.Value;
        _password = UpstreamPassword.CreateResolver(_options.Password, _options.PasswordFile);
        foreach ((string key, UpstreamRoleOptions role) in _options.Roles)
        {
            _roles[key] = (role.User, UpstreamPassword.CreateResolver(role.Password, role.PasswordFile));
        }
        if (_options.RootCertificatePath is { Length: > 0 } path)
        {
            _roots = [];
            _roots.ImportFromPemFile(path);
        }
    }

    /// <summary>Connects and authenticates a new server session.</summary>
    /// <param name="parameters">Startup parameters (database, application_name, allowed settings); the user is the gateway's.</param>
    /// <param name="role">A key of <see cref="UpstreamOptions.Roles"/>, or <see langword="null"/> for <see cref="UpstreamOptions.User"/>.</param>
    /// <param name="cancellationToken">Aborts the attempt.</param>
    /// <exception cref="ServerConnectionException">The server is unreachable, refused, or misbehaved.</exception>
    public async Task<ServerConnection> ConnectAsync(IReadOnlyList<KeyValuePair<string, string>> parameters, string? role, CancellationToken cancellationToken)
    {
        (string user, Func<string> password) = (_options.User, _password);
        if (role is not null)
        {
            if (!_roles.TryGetValue(role, out (string User, Func<string> Password) credential))
            {
                throw new ServerConnectionException("the grant names upstream role '" + role + "', which HoopGate:Upstream:Roles does not define");
            }

            (user, password) = credential;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds));
        Socket socket = await OpenSocketAsync(timeout.Token);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            (stream, X509Certificate2? certificate) = await NegotiateTlsAsync(stream, timeout.Token);
            var startup = new List<KeyValuePair<string, string>>(parameters.Count + 1) { new("user", user) };
            startup.AddRange(parameters);
            await StreamMessageIo.WriteAsync(stream, w => new StartupMessage(StartupRequestCode.ProtocolVersion3, startup).WriteTo(w), timeout.Token);
            await AuthenticateAsync(stream, certificate, user, password, timeout.Token);
            return await ReadUntilReadyAsync(socket, stream, certificate is not null, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or PgProtocolException
                                   or OperationCanceledException or ServerConnectionException)
        {
            await stream.DisposeAsync();
            socket.Dispose();
            if (ex is ServerConnectionException)
            {
                throw;
            }

            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            string reason = ex is OperationCanceledException ? "timed out" : ex.Message;
            throw new ServerConnectionException("could not connect to the server: " + reason, ex);
        }
    }

    /// <summary>Sends a CancelRequest for a server backend, on a connection of its own.</summary>
    public async Task SendCancelAsync(BackendKeyData key, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds));
        using Socket socket = await OpenSocketAsync(timeout.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await StreamMessageIo.WriteAsync(stream, w => new CancelRequest(key.ProcessId, key.SecretKey).WriteTo(w), timeout.Token);

        // The server closes the connection once it has read the request; waiting for that keeps the cancel
        // from racing our own close.
        byte[] sink = new byte[1];
        _ = await stream.ReadAsync(sink, timeout.Token);
    }

    private Task<Socket> OpenSocketAsync(CancellationToken cancellationToken) =>
        TcpConnect.ConnectAsync(_options.Host, _options.Port, cancellationToken);

    private async Task<(Stream Stream, X509Certificate2? Certificate)> NegotiateTlsAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (_options.SslMode == UpstreamSslMode.Disable)
        {
            return (stream, null);
        }

        await StreamMessageIo.WriteAsync(stream, SSLRequest.Write, cancellationToken);
        byte[] answer = new byte[1];
        await stream.ReadExactlyAsync(answer, cancellationToken);
        if (answer[0] == SSLRequest.Refuse)
        {
            if (_options.SslMode == UpstreamSslMode.Prefer)
            {
                return (stream, null);
            }

            throw new ServerConnectionException("the server does not support TLS, and SslMode requires it");
        }

        if (answer[0] != SSLRequest.Accept)
        {
            throw new ServerConnectionException("the server answered the SSLRequest with an unexpected byte");
        }

        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = _options.Host,
                RemoteCertificateValidationCallback = ValidateServerCertificate,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            },
            cancellationToken);
        X509Certificate2? certificate = ssl.RemoteCertificate is null ? null : new X509Certificate2(ssl.RemoteCertificate);
        return (ssl, certificate);
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_options.SslMode is UpstreamSslMode.Prefer or UpstreamSslMode.Require)
        {
            // libpq's meaning: encryption without authentication of the server.
            return true;
        }

        if (certificate is null || _roots is null)
        {
            return false;
        }

        using var customChain = new X509Chain();
        customChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        customChain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        customChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        if (!customChain.Build(leaf))
        {
            return false;
        }

        return _options.SslMode != UpstreamSslMode.VerifyFull || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
    }

    private async Task AuthenticateAsync(Stream stream, X509Certificate2? certificate, string user, Func<string> password, CancellationToken cancellationToken)
    {
        ScramSha256Client? scram = null;
        bool bound = false;
        bool scramCompleted = false;
        while (true)
        {
            (byte code, byte[] body) = await StreamMessageIo.ReadMessageAsync(stream, MaxStartupMessageLength, cancellationToken);
            if (code == (byte)BackendMessageCode.ErrorResponse)
            {
                ErrorResponse error = ErrorResponse.Read(new(body));
                throw new ServerConnectionException("the server refused the session: " + error.Message, error);
            }

            if (code != (byte)BackendMessageCode.Authentication)
            {
                throw new ServerConnectionException("unexpected message from the server during authentication");
            }

            AuthenticationRequest request = AuthenticationRequest.Read(new(body));
            switch (request.Type)
            {
                case AuthenticationRequestType.Ok:
                    if (_options.ChannelBinding == ChannelBindingMode.Require && !bound)
                    {
                        throw new ServerConnectionException("the server did not use channel binding, and ChannelBinding requires it");
                    }

                    if (scram is not null && !scramCompleted)
                    {
                        throw new ServerConnectionException("the server ended SCRAM authentication early");
                    }

                    return;

                case AuthenticationRequestType.CleartextPassword:
                    RequireWeakMethodAllowed("cleartext password");
                    await StreamMessageIo.WriteAsync(stream, w => new PasswordMessage(password()).WriteTo(w), cancellationToken);
                    break;

                case AuthenticationRequestType.MD5Password:
                    RequireWeakMethodAllowed("md5");
                    string hashed = Md5Password(user, password(), request.Data);
                    await StreamMessageIo.WriteAsync(stream, w => new PasswordMessage(hashed).WriteTo(w), cancellationToken);
                    break;

                case AuthenticationRequestType.SASL:
                    bool offersPlus = request.Mechanisms.Contains(ScramSha256Client.MechanismPlus);
                    bool usePlus = offersPlus && certificate is not null && _options.ChannelBinding != ChannelBindingMode.Disable;
                    if (!usePlus && !request.Mechanisms.Contains(ScramSha256Client.Mechanism))
                    {
                        throw new ServerConnectionException("the server offers no SASL mechanism the gateway supports");
                    }

                    if (!usePlus && _options.ChannelBinding == ChannelBindingMode.Require)
                    {
                        throw new ServerConnectionException("the server does not offer SCRAM-SHA-256-PLUS, and ChannelBinding requires it");
                    }

                    scram = new ScramSha256Client(
                        password(),
                        usePlus ? certificate : null,
                        clientSupportsBinding: !usePlus && certificate is not null && _options.ChannelBinding != ChannelBindingMode.Disable);
                    bound = usePlus;
                    byte[] first = scram.CreateClientFirstMessage();
                    await StreamMessageIo.WriteAsync(stream, w => new SASLInitialResponse(scram.SelectedMechanism, first).WriteTo(w), cancellationToken);
                    break;

                case AuthenticationRequestType.SASLContinue when scram is not null:
                    // PBKDF2 takes about a millisecond: keep it off the socket event thread that relays every session.
                    byte[] serverFirst = request.Data;
                    byte[] final = await Task.Run(() => scram.CreateClientFinalMessage(serverFirst), cancellationToken);
                    await StreamMessageIo.WriteAsync(stream, w => new SASLResponse(final).WriteTo(w), cancellationToken);
                    break;

                case AuthenticationRequestType.SASLFinal when scram is not null:
                    if (!scram.VerifyServerFinalMessage(request.Data))
                    {
                        throw new ServerConnectionException("the server's SCRAM signature is wrong: it does not know the password");
                    }

                    scramCompleted = true;
                    break;

                default:
                    throw new ServerConnectionException("the server asks for an authentication method the gateway does not support (" + request.Type + ")");
            }
        }
    }

    private void RequireWeakMethodAllowed(string method)
    {
        if (_options.ChannelBinding == ChannelBindingMode.Require)
        {
            throw new ServerConnectionException("the server asks for " + method + " authentication, and ChannelBinding requires SCRAM with channel binding");
        }
    }

    // MD5 is what the server asked for; PostgreSQL's md5 method is weak by design, and ChannelBinding=Require refuses it.
#pragma warning disable CA5351
    private static string Md5Password(string user, string password, byte[] salt)
    {
        // "md5" + md5hex(md5hex(password + user) + salt), as libpq's pg_md5_encrypt.
        string inner = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(password + user)));
        byte[] innerBytes = Encoding.ASCII.GetBytes(inner);
        byte[] salted = new byte[innerBytes.Length + salt.Length];
        innerBytes.CopyTo(salted, 0);
        salt.CopyTo(salted, innerBytes.Length);
        return "md5" + Convert.ToHexStringLower(MD5.HashData(salted));
    }
#pragma warning restore CA5351

    private static async Task<ServerConnection> ReadUntilReadyAsync(Socket socket, Stream stream, bool isTls, CancellationToken cancellationToken)
    {
        var parameters = new List<ParameterStatus>();
        BackendKeyData? key = null;
        while (true)
        {
            (byte code, byte[] body) = await StreamMessageIo.ReadMessageAsync(stream, MaxStartupMessageLength, cancellationToken);
            switch ((BackendMessageCode)code)
            {
                case BackendMessageCode.ParameterStatus:
                    parameters.Add(ParameterStatus.Read(new(body)));
                    break;
                case BackendMessageCode.BackendKeyData:
                    key = BackendKeyData.Read(new(body));
                    break;
                case BackendMessageCode.NoticeResponse:
                    break;
                case BackendMessageCode.ErrorResponse:
                    ErrorResponse error = ErrorResponse.Read(new(body));
                    throw new ServerConnectionException("the server refused the session: " + error.Message, error);
                case BackendMessageCode.ReadyForQuery:
                    ReadyForQuery ready = ReadyForQuery.Read(new(body));
                    if (key is null)
                    {
                        throw new ServerConnectionException("the server sent no BackendKeyData");
                    }

                    return new ServerConnection(socket, stream, isTls, parameters, key.Value, ready.TransactionStatus);
                default:
                    throw new ServerConnectionException("unexpected message from the server during startup");
            }
        }
    }
}
