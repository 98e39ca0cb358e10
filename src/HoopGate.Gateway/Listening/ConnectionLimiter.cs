using System.Collections.Concurrent;
using System.Net;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Sessions;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Listening;

/// <summary>
/// Counts sessions in total and per client address. Connections over a limit are still accepted, so the
/// client can be told why (FATAL 53300 after its StartupMessage, as PostgreSQL does), but they hold no slot.
/// </summary>
internal sealed class ConnectionLimiter
{
    private readonly GatewayOptions _options;
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _total;

    public ConnectionLimiter(IOptions<GatewayOptions> options)
    {
        _options = options.Value;
    }

    public int Total => Volatile.Read(ref _total);

    public AdmissionResult Admit(EndPoint? remote)
    {
        if (Interlocked.Increment(ref _total) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _total);
            return AdmissionResult.Rejected("sorry, too many clients already");
        }

        IPAddress? address = (remote as IPEndPoint)?.Address;
        if (address is null)
        {
            return new AdmissionResult(null, () => Interlocked.Decrement(ref _total));
        }

        int count = _perAddress.AddOrUpdate(address, 1, static (_, c) => c + 1);
        if (count > _options.MaxConnectionsPerAddress)
        {
            Release(address);
            Interlocked.Decrement(ref _total);
            return AdmissionResult.Rejected("too many connections from this client address");
        }

        return new AdmissionResult(null, () =>
        {
            Release(address);
            Interlocked.Decrement(ref _total);
        });
    }

    private void Release(IPAddress address)
    {
        while (true)
        {
            int current = _perAddress[address];
            if (current <= 1)
            {
                if (_perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, current)))
                {
                    return;
                }
            }
            else if (_perAddress.TryUpdate(address, current - 1, current))
            {
                return;
            }
        }
    }
}
