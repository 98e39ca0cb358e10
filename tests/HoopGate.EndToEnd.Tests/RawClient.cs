using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Frontend;
using HoopGate.Testing;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// A minimal protocol 3.0 client over a plain socket, for what Npgsql does not expose: the cancel key's secret,
/// and sending a CancelRequest to an address of the test's choosing. Simple query protocol only.
/// </summary>
internal sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>The cancel key the gateway issued in BackendKeyData.</summary>
    public BackendKeyData KeyData { get; private set; }

    /// <summary>Connects, authenticates with a cleartext password, and reads up to the first ReadyForQuery.</summary>
    public static async Task<RawClient> ConnectAsync(IPEndPoint endPoint, string user, string password, string database = "postgres")
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).Within();
        var client = new RawClient(socket);
        try
        {
            await client.WriteAsync(w => new StartupMessage(
                StartupRequestCode.ProtocolVersion3,
                [new("user", user), new("database", database), new("application_name", "hoopgate-raw-client")]).WriteTo(w)).Within();
            bool keyDataSeen = false;
            while (true)
            {
                (byte code, byte[] body) = await client.ReadMessageAsync().Within();
                switch ((BackendMessageCode)code)
                {
                    case BackendMessageCode.Authentication:
                        AuthenticationRequest request = AuthenticationRequest.Read(new ReadOnlySequence<byte>(body));
                        if (request.Type == AuthenticationRequestType.CleartextPassword)
                        {
                            await client.WriteAsync(w => new PasswordMessage(password).WriteTo(w)).Within();
                        }
                        else if (request.Type != AuthenticationRequestType.Ok)
                        {
                            throw new InvalidOperationException("unexpected authentication request " + request.Type);
                        }

                        break;
                    case BackendMessageCode.BackendKeyData:
                        client.KeyData = BackendKeyData.Read(new ReadOnlySequence<byte>(body));
                        keyDataSeen = true;
                        break;
                    case BackendMessageCode.ErrorResponse:
                        ErrorResponse error = ErrorResponse.Read(new ReadOnlySequence<byte>(body));
                        throw new InvalidOperationException("startup failed: " + error.SqlState + " " + error.Message);
                    case BackendMessageCode.ReadyForQuery:
                        if (!keyDataSeen)
                        {
                            throw new InvalidOperationException("ReadyForQuery came without BackendKeyData");
                        }

                        return client;
                    default:
                        // ParameterStatus, NoticeResponse: not needed here.
                        break;
                }
            }
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a CancelRequest on a new connection to <paramref name="endPoint"/> and waits for it to be closed.</summary>
    public static async Task SendCancelAsync(IPEndPoint endPoint, BackendKeyData key)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).Within();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var buffer = new ArrayBufferWriter<byte>();
        new CancelRequest(key.ProcessId, key.SecretKey).WriteTo(buffer);
        if (buffer.WrittenCount != 16)
        {
            throw new InvalidOperationException("a CancelRequest is 16 bytes, wrote " + buffer.WrittenCount);
        }

        await stream.WriteAsync(buffer.WrittenMemory).Within();
        await stream.FlushAsync().Within();

        // The gateway closes the connection once it has dealt with the request, as PostgreSQL does.
        byte[] sink = new byte[1];
        int read = await stream.ReadAsync(sink).Within(TimeSpan.FromSeconds(15));
        if (read != 0)
        {
            throw new InvalidOperationException("the gateway answered a CancelRequest with data");
        }
    }

    /// <summary>Reads messages up to and including one of type <paramref name="code"/>; returns the types read.</summary>
    public async Task<List<BackendMessageCode>> ReadUntilAsync(BackendMessageCode code)
    {
        var seen = new List<BackendMessageCode>();
        while (true)
        {
            (byte read, _) = await ReadMessageAsync();
            seen.Add((BackendMessageCode)read);
            if (read == (byte)code)
            {
                return seen;
            }
        }
    }

    /// <summary>Sends whatever <paramref name="write"/> writes (several messages, pipelined).</summary>
    public Task SendAsync(Action<IBufferWriter<byte>> write) => WriteAsync(write);

    /// <summary>Sends a simple Query without waiting for its result.</summary>
    public Task SendQueryAsync(string sql) => WriteAsync(w => new Query(sql).WriteTo(w));

    /// <summary>Sends a simple Query and reads its result.</summary>
    public async Task<QueryResult> QueryAsync(string sql)
    {
        await SendQueryAsync(sql);
        return await ReadResultAsync();
    }

    /// <summary>Reads the result of a simple Query up to ReadyForQuery: text rows, command tags and errors.</summary>
    public async Task<QueryResult> ReadResultAsync()
    {
        var result = new QueryResult();
        while (true)
        {
            byte code;
            byte[] body;
            try
            {
                (code, body) = await ReadMessageAsync();
            }
            catch (EndOfStreamException) when (result.Errors.Any(e => e.Severity == ErrorResponse.Fatal))
            {
                // A FATAL ends the session: the connection closes instead of a ReadyForQuery.
                result.Closed = true;
                return result;
            }

            switch ((BackendMessageCode)code)
            {
                case BackendMessageCode.DataRow:
                    DataRow row = DataRow.Read(new ReadOnlySequence<byte>(body));
                    result.Rows.Add([.. row.Columns.Select(c => c is null ? null : Encoding.UTF8.GetString(c))]);
                    break;
                case BackendMessageCode.CommandComplete:
                    result.CommandTags.Add(Encoding.UTF8.GetString(body, 0, body.Length - 1));
                    break;
                case BackendMessageCode.ErrorResponse:
                    result.Errors.Add(ErrorResponse.Read(new ReadOnlySequence<byte>(body)));
                    break;
                case BackendMessageCode.ReadyForQuery:
                    return result;
                default:
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await WriteAsync(Terminate.Write).Within(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            // Already closed.
        }

        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    private async Task WriteAsync(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        await _stream.WriteAsync(buffer.WrittenMemory);
        await _stream.FlushAsync();
    }

    private async Task<(byte Code, byte[] Body)> ReadMessageAsync()
    {
        byte[] header = new byte[5];
        await _stream.ReadExactlyAsync(header);
        int length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length < 4 || length > 64 * 1024 * 1024)
        {
            throw new InvalidOperationException("bad message length " + length);
        }

        byte[] body = new byte[length - 4];
        await _stream.ReadExactlyAsync(body);
        return (header[0], body);
    }

    /// <summary>What one simple Query produced.</summary>
    public sealed class QueryResult
    {
        public List<string?[]> Rows { get; } = [];

        public List<string> CommandTags { get; } = [];

        public List<ErrorResponse> Errors { get; } = [];

        /// <summary>The server (or gateway) closed the connection after a FATAL instead of answering ReadyForQuery.</summary>
        public bool Closed { get; set; }
    }
}
