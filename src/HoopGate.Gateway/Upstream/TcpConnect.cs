using System.Net;
using System.Net.Sockets;

namespace HoopGate.Gateway.Upstream;

/// <summary>Opens a TCP connection (TCP_NODELAY) to a host name or address.</summary>
internal static class TcpConnect
{
    public static async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
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
