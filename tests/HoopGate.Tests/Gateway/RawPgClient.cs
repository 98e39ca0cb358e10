using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Frontend;
using HoopGate.Testing;

namespace HoopGate.Tests.Gateway;

/// <summary>
/// A PostgreSQL client with no manners: it writes whatever bytes a test gives it and reads what comes back,
/// every read bounded by a timeout. Reads are exact (header, then body), so a one-byte SSLRequest answer is
/// never swallowed by a buffered reader.
/// </summary>
internal sealed class RawPgClient : IAsyncDisposable
{
    /// <summary>How long a single read waits before the test fails with a name instead of hanging.</summary>
    public static readonly TimeSpan DefaultReadTimeout = TimeSpan.FromSeconds(10);

    // Nothing the gateway sends in these tests comes near this; it only stops a bad length from allocating 2 GB here.
    private const int MaxBodyLength = 16 * 1024 * 1024;

    private readonly Socket _socket;
    private Stream _stream;

    private RawPgClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>True once the gateway closed the connection (FIN or reset) under a read.</summary>
    public bool SawClose { get; private set; }

    /// <summary>True when that close was a reset rather than an orderly FIN.</summary>
    public bool SawReset { get; private set; }

    public bool IsTls => _stream is SslStream;

    public static async Task<RawPgClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).Within(DefaultReadTimeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawPgClient(socket);
    }

    /// <summary>Sends bytes exactly as given.</summary>
    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes).AsTask().Within(DefaultReadTimeout);
        await _stream.FlushAsync().Within(DefaultReadTimeout);
    }

    /// <summary>Reads one raw byte (the answer to SSLRequest or GSSENCRequest); null when the gateway closed.</summary>
    public async Task<byte?> ReadByteAsync(TimeSpan? timeout = null)
    {
        byte[] one = new byte[1];
        int read = await ReadSomeAsync(one, timeout ?? DefaultReadTimeout, "a one-byte negotiation answer");
        return read == 0 ? null : one[0];
    }

    /// <summary>
    /// Reads one whole backend message; null when the gateway closed (or reset) the connection at a message
    /// boundary. Throws <see cref="TimeoutException"/> when nothing arrives in time.
    /// </summary>
    public async Task<PgMessage?> ReadMessageAsync(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? DefaultReadTimeout;
        byte[] header = new byte[5];
        int first = await ReadSomeAsync(header.AsMemory(0, 1), limit, "a message header");
        if (first == 0)
        {
            return null;
        }

        await ReadExactlyAsync(header.AsMemory(1), limit, "a message header");
        int length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length < 4 || length - 4 > MaxBodyLength)
        {
            throw new InvalidDataException("the gateway sent message '" + (char)header[0] + "' with an impossible length " + length);
        }

        byte[] body = new byte[length - 4];
        await ReadExactlyAsync(body, limit, "the body of message '" + (char)header[0] + "'");
        return new PgMessage(header[0], body);
    }

    /// <summary>Waits <paramref name="wait"/>, then says whether any byte (or a close) has arrived, without consuming it.</summary>
    public async Task<bool> ReceivedAnythingAsync(TimeSpan wait)
    {
        await Task.Delay(wait).Within();
        return _socket.Poll(0, SelectMode.SelectRead);
    }

    /// <summary>Reads until the gateway closes the connection; returns what arrived before the close.</summary>
    public async Task<List<PgMessage>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var messages = new List<PgMessage>();
        while (await ReadMessageAsync(timeout) is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>Reads until ReadyForQuery; an ErrorResponse on the way fails with its text.</summary>
    public async Task<List<PgMessage>> ReadUntilReadyAsync(TimeSpan? timeout = null)
    {
        var messages = new List<PgMessage>();
        while (true)
        {
            PgMessage message = await ReadMessageAsync(timeout) ?? throw new InvalidOperationException(
                "the gateway closed the connection before ReadyForQuery; received " + Describe(messages));
            messages.Add(message);
            if (message.Code == (byte)'E')
            {
                throw new InvalidOperationException("unexpected " + message);
            }

            if (message.Code == (byte)'Z')
            {
                return messages;
            }
        }
    }

    /// <summary>
    /// Sends SSLRequest's successor: the TLS handshake over this connection, trusting only
    /// <paramref name="expectedServerCertificate"/>.
    /// </summary>
    public async Task UpgradeToTlsAsync(X509Certificate2 expectedServerCertificate)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,

            // The test CA is not in the machine's store; pin the one certificate the gateway must present.
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString() == expectedServerCertificate.GetCertHashString(),
        }).Within(DefaultReadTimeout);
        _stream = ssl;
    }

    /// <summary>
    /// StartupMessage, password, then everything up to ReadyForQuery. Fails with what the gateway sent instead
    /// when any step goes differently.
    /// </summary>
    public async Task<List<PgMessage>> LoginAsync(string? applicationName = null, string password = GatewayInstance.Password)
    {
        var parameters = new List<(string, string)> { ("user", GatewayInstance.User), ("database", "postgres") };
        if (applicationName is not null)
        {
            parameters.Add(("application_name", applicationName));
        }

        await SendAsync(RawWire.Startup(parameters.ToArray()));
        await ExpectPasswordRequestAsync();
        await SendAsync(RawWire.PasswordMessage(password));
        return await ReadUntilReadyAsync();
    }

    /// <summary>Reads the next message and asserts that it is AuthenticationCleartextPassword.</summary>
    public async Task ExpectPasswordRequestAsync()
    {
        PgMessage? message = await ReadMessageAsync();
        Assert.True(message is { IsCleartextPasswordRequest: true }, "expected AuthenticationCleartextPassword, got " + Describe(message));
    }

    /// <summary>Runs a simple query and returns the first column of each row as text.</summary>
    public async Task<List<string?>> QueryAsync(string sql)
    {
        await SendAsync(RawWire.Query(sql));
        var values = new List<string?>();
        foreach (PgMessage message in await ReadUntilReadyAsync())
        {
            if (message.Code == (byte)'D')
            {
                values.Add(message.FirstColumnText());
            }
        }

        return values;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Already reset by the gateway.
        }

        _socket.Dispose();
    }

    /// <summary>Closes the socket at once with a reset, as a crashed or killed client would.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public static string Describe(PgMessage? message) => message is null ? "the connection closed" : message.Value.ToString();

    public static string Describe(IEnumerable<PgMessage> messages) =>
        "[" + string.Join(", ", messages.Select(m => m.ToString())) + "]";

    private async Task ReadExactlyAsync(Memory<byte> buffer, TimeSpan timeout, string what)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = await ReadSomeAsync(buffer[total..], timeout, what);
            if (read == 0)
            {
                throw new EndOfStreamException("the gateway closed the connection in the middle of " + what);
            }

            total += read;
        }
    }

    /// <summary>One read under a deadline; 0 means the gateway closed (a reset counts as a close).</summary>
    private async Task<int> ReadSomeAsync(Memory<byte> buffer, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            int read = await _stream.ReadAsync(buffer, cts.Token);
            if (read == 0)
            {
                SawClose = true;
            }

            return read;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException("the gateway sent nothing (" + what + ") and kept the connection open for " + timeout.TotalSeconds + " s");
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted })
        {
            SawClose = true;
            SawReset = true;
            return 0;
        }
    }
}
