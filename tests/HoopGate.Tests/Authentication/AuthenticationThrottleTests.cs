using System.Net;
using HoopGate.Gateway.Authentication;

namespace HoopGate.Tests.Authentication;

public sealed class AuthenticationThrottleTests
{
    private static readonly IPEndPoint Attacker = new(IPAddress.Parse("192.0.2.7"), 40000);
    private static readonly IPEndPoint Bystander = new(IPAddress.Parse("192.0.2.8"), 40000);

    private readonly ManualTime _time = new();

    [Fact]
    public void First_failures_are_answered_at_once_then_delays_double_up_to_the_cap()
    {
        var throttle = new AuthenticationThrottle(_time);
        var delays = Enumerable.Range(0, 12).Select(_ => throttle.RecordFailure(Attacker).TotalMilliseconds).ToArray();

        Assert.Equal([0, 0, 0, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000], delays);
    }

    [Fact]
    public void Failures_from_one_address_do_not_slow_another()
    {
        var throttle = new AuthenticationThrottle(_time);
        for (int i = 0; i < 8; i++)
        {
            throttle.RecordFailure(Attacker);
        }

        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Bystander));
    }

    [Fact]
    public void A_success_or_a_quiet_window_forgets_the_failures()
    {
        var throttle = new AuthenticationThrottle(_time);
        for (int i = 0; i < 5; i++)
        {
            throttle.RecordFailure(Attacker);
        }

        throttle.RecordSuccess(Attacker);
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Attacker));

        for (int i = 0; i < 5; i++)
        {
            throttle.RecordFailure(Attacker);
        }

        _time.Advance(AuthenticationThrottle.Window + TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Attacker));
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
