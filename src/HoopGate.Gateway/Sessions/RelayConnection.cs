using System.Net.Sockets;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// One side of a session after startup: the socket, or the TLS stream over it. Plain sockets use
/// <see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/> and <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>
/// directly: they complete without allocating and, with inline socket completions, on the event thread.
/// </summary>
internal sealed class RelayConnection
{
    private readonly Socket _socket;
    private readonly Stream? _tls;
    private readonly CancellationTokenSource? _receiveStop;

    /// <param name="socket">The connection's socket.</param>
    /// <param name="tls">The TLS stream over it, if any.</param>
    /// <param name="cancellableReceive">
    /// Whether <see cref="CancelReceive"/> may end a pending receive while leaving the connection usable (for a server
    /// session that may serve another client); otherwise only <see cref="StopReceiving"/> ends one, for good.
    /// </param>
    public RelayConnection(Socket socket, Stream? tls, bool cancellableReceive = false)
    {
        _socket = socket;
        _tls = tls;
        _receiveStop = cancellableReceive ? new CancellationTokenSource() : null;
    }

    /// <summary>Receives what is there (at least one byte), or 0 at end of stream.</summary>
    /// <exception cref="OperationCanceledException"><see cref="CancelReceive"/> was called.</exception>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        CancellationToken cancellationToken = _receiveStop?.Token ?? default;
        return _tls is null ? _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) : _tls.ReadAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// Ends a pending <see cref="ReceiveAsync"/> (and every later one) with <see cref="OperationCanceledException"/>,
    /// consuming nothing from the connection, which stays usable.
    /// </summary>
    public void CancelReceive() => _receiveStop?.Cancel();

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        if (_tls is not null)
        {
            return _tls.WriteAsync(data);
        }

        ValueTask<int> send = _socket.SendAsync(data, SocketFlags.None);
        if (!send.IsCompletedSuccessfully)
        {
            return SendSlowAsync(send.AsTask(), data);
        }

        int sent = send.Result;
        return sent == data.Length ? ValueTask.CompletedTask : SendSlowAsync(Task.FromResult(sent), data);
    }

    /// <summary>
    /// Ends the receive direction: a pending <see cref="ReceiveAsync"/> returns 0, while sending still works, so a
    /// session can stop a pump and still tell its peer why.
    /// </summary>
    public void StopReceiving()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    /// <summary>
    /// True when the peer has closed its side (or the socket failed) and left nothing unread — looked at while nobody
    /// receives, as when a statement waits for approval.
    /// </summary>
    public bool PeerClosed
    {
        get
        {
            try
            {
                return _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return true;
            }
        }
    }

    /// <summary>Closes the socket outright: pending sends and receives fail.</summary>
    public void Close() => _socket.Close();

    private async ValueTask SendSlowAsync(Task<int> pending, ReadOnlyMemory<byte> data)
    {
        int sent = await pending;
        while (sent < data.Length)
        {
            if (sent == 0)
            {
                throw new IOException("the peer stopped accepting data");
            }

            data = data.Slice(sent);
            sent = await _socket.SendAsync(data, SocketFlags.None);
        }
    }
}
