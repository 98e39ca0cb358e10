using System.Net;
using System.Net.Sockets;

namespace HoopGate.Testing;

/// <summary>
/// A TCP forwarder between a client and a gateway that keeps every byte the client received, so that a test can scan
/// the raw stream (not only the values a driver parsed) for something that must not be there. Plaintext only.
/// </summary>
public sealed class ByteTap : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly MemoryStream _received = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];

    private ByteTap(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _tasks.Add(AcceptAsync());
    }

    /// <summary>The port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Starts a tap in front of <paramref name="target"/>.</summary>
    public static ByteTap Start(IPEndPoint target) => new(target);

    /// <summary>Everything sent to clients so far.</summary>
    public byte[] Received
    {
        get
        {
            lock (_gate)
            {
                return _received.ToArray();
            }
        }
    }

    /// <summary>Whether <paramref name="text"/> (UTF-8) appears anywhere in what clients received.</summary>
    public bool Saw(string text) => Received.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException or TimeoutException)
        {
            // Closing.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new TcpClient();
            await server.ConnectAsync(_target);
            lock (_gate)
            {
                _tasks.Add(CopyAsync(client, server, record: false));
                _tasks.Add(CopyAsync(server, client, record: true));
            }
        }
    }

    private async Task CopyAsync(TcpClient from, TcpClient to, bool record)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            NetworkStream input = from.GetStream(), output = to.GetStream();
            while (true)
            {
                int read = await input.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (record)
                {
                    lock (_gate)
                    {
                        _received.Write(buffer, 0, read);
                    }
                }

                await output.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // One side closed.
        }
        finally
        {
            from.Close();
            to.Close();
        }
    }
}
