using System.Collections.Concurrent;
using System.Net;

namespace HoopGate.Gateway.Authentication;

/// <summary>
/// Slows down repeated authentication failures from one client address: the first few fail at once, then each
/// further failure waits twice as long before its FATAL (up to <see cref="MaxDelay"/>), so guessing tokens or
/// passwords costs time. A success, or a quiet <see cref="Window"/>, forgets the address.
/// </summary>
internal sealed class AuthenticationThrottle
{
    /// <summary>Failures answered at once before delays start (a mistyped password or a just-expired token).</summary>
    public const int FreeFailures = 3;

    /// <summary>The longest delay: long enough to make guessing slow, short enough that clients do not time out.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>How long an address's failures are remembered.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    // Bounds memory under a flood from many addresses; forgetting everyone only makes the throttle lenient.
    private const int MaxAddresses = 10_000;

    private readonly ConcurrentDictionary<IPAddress, (int Failures, DateTimeOffset Last)> _failures = new();
    private readonly TimeProvider _time;

    public AuthenticationThrottle(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Records a failure and returns how long to wait before answering it.</summary>
    public TimeSpan RecordFailure(EndPoint? remote)
    {
        if ((remote as IPEndPoint)?.Address is not { } address)
        {
            return TimeSpan.Zero;
        }

        if (_failures.Count >= MaxAddresses)
        {
            _failures.Clear();
        }

        DateTimeOffset now = _time.GetUtcNow();
        (int failures, _) = _failures.AddOrUpdate(
            address,
            _ => (1, now),
            (_, previous) => (now - previous.Last > Window ? 1 : previous.Failures + 1, now));
        if (failures <= FreeFailures)
        {
            return TimeSpan.Zero;
        }

        double milliseconds = 100 * Math.Pow(2, Math.Min(failures - FreeFailures - 1, 10));
        return TimeSpan.FromMilliseconds(Math.Min(milliseconds, MaxDelay.TotalMilliseconds));
    }

    /// <summary>Forgets an address after a success.</summary>
    public void RecordSuccess(EndPoint? remote)
    {
        if ((remote as IPEndPoint)?.Address is { } address)
        {
            _failures.TryRemove(address, out _);
        }
    }
}
