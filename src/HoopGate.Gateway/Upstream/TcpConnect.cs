using System.Net;
using System.Net.Sockets;

namespace HoopGate.Gateway.Upstream;

/// <summary>
/// Opens a TCP connection (TCP_NODELAY) to a host name or address, with keepalives: a server that vanished without a
/// reset (a failover, a firewall that dropped the flow) is noticed in about a minute, not at the next statement.
/// </summary>
internal static class TcpConnect
{
    public static async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            if (IPAddress.TryParse(host, out IPAddress? address))
            {
                if (address.AddressFamily == AddressFamily.InterNetwork && socket.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    address = address.MapToIPv6();
                }

                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
            }
            else
            {
                await socket.ConnectAsync(new DnsEndPoint(host, port), cancellationToken);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
