using System.Diagnostics;
using System.Text;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Testing;

namespace HoopGate.Tests.Gateway;

/// <summary>Malformed, oversized, truncated and missing startup packets.</summary>
public sealed partial class GatewayAbuseTests
{
    private static readonly TimeSpan QuickAnswer = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public async Task Startup_packet_length_below_eight_gets_fatal_08P01_or_a_close(int length)
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.Int32s(length));

        ErrorResponse? error = await GatewayChecks.ExpectFatalOrCloseAsync(client, SqlState.ProtocolViolation, QuickAnswer);

        output.WriteLine("length " + Hex(length) + ": " + (error?.Message ?? "closed without a word"));
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(10001)]
    [InlineData(1 << 20)]
    public async Task Startup_packet_length_over_the_limit_gets_fatal_08P01_without_waiting_for_the_body(int length)
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);

        // Only the length field: the gateway must judge it alone, and nothing is left unread to turn its close into a reset.
        await client.SendAsync(RawWire.Int32s(length));

        ErrorResponse error = await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation, timeout: QuickAnswer);

        output.WriteLine("length " + Hex(length) + ": " + error.Message);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    public async Task Garbage_before_startup_gets_fatal_08P01_or_a_close_quickly(string garbage)
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(Encoding.Latin1.GetBytes(garbage));

        ErrorResponse? error = await GatewayChecks.ExpectFatalOrCloseAsync(client, SqlState.ProtocolViolation, QuickAnswer);

        output.WriteLine((error?.Message ?? "closed without a word") + (client.SawReset ? " (reset)" : ""));
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Truncated_startup_packet_then_close_ends_that_session_and_the_gateway_keeps_serving(bool reset)
    {
        await GatewayChecks.WaitForSessionCountAsync(_gateway, 0, "sessions of earlier tests should have ended");
        RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        try
        {
            byte[] startup = RawWire.AliceStartup();
            await client.SendAsync(startup[..(startup.Length / 2)]);

            // While that client dawdles, others get in.
            await GatewayChecks.AssertServesQueriesAsync(_gateway);
            await GatewayChecks.WaitForSessionCountAsync(_gateway, 1, "only the truncated session should still be open");
        }
        finally
        {
            if (reset)
            {
                client.Abort();
            }

            await client.DisposeAsync();
        }

        await GatewayChecks.WaitForSessionCountAsync(_gateway, 0, "the truncated session should end when its client goes");
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Silent_client_gets_fatal_08P01_startup_timed_out_after_the_startup_timeout()
    {
        await using GatewayInstance gateway = await StartGatewayAsync(("HoopGate:Gateway:StartupTimeoutSeconds", "1"));
        await using RawPgClient client = await RawPgClient.ConnectAsync(gateway.Port);
        var clock = Stopwatch.StartNew();

        ErrorResponse error = await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation, timeout: QuickAnswer);

        Assert.Equal("startup timed out", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.8), QuickAnswer);
        await GatewayChecks.AssertServesQueriesAsync(gateway);
    }

    [Theory]
    [InlineData("half a startup packet")]
    [InlineData("a StartupMessage and no password")]
    [InlineData("a GSSENCRequest and nothing more")]
    [InlineData("half a password message")]
    public async Task Client_that_stalls_during_startup_gets_fatal_08P01_startup_timed_out(string stall)
    {
        await using GatewayInstance gateway = await StartGatewayAsync(("HoopGate:Gateway:StartupTimeoutSeconds", "1"));
        await using RawPgClient client = await RawPgClient.ConnectAsync(gateway.Port);
        var clock = Stopwatch.StartNew();
        byte[] startup = RawWire.AliceStartup();
        switch (stall)
        {
            case "half a startup packet":
                await client.SendAsync(startup[..(startup.Length / 2)]);
                break;
            case "a StartupMessage and no password":
                await client.SendAsync(startup);
                await client.ExpectPasswordRequestAsync();
                break;
            case "a GSSENCRequest and nothing more":
                await client.SendAsync(RawWire.GssEncRequest());
                Assert.Equal((byte)'N', await client.ReadByteAsync());
                break;
            case "half a password message":
                await client.SendAsync(startup);
                await client.ExpectPasswordRequestAsync();
                await client.SendAsync(RawWire.PasswordMessage(GatewayInstance.Password)[..6]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(stall));
        }

        ErrorResponse error = await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation, timeout: QuickAnswer);

        Assert.Equal("startup timed out", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.8), QuickAnswer);
        await GatewayChecks.AssertServesQueriesAsync(gateway);
    }

    [Fact]
    public async Task Client_that_stalls_inside_the_tls_handshake_is_ended_after_the_startup_timeout()
    {
        await using GatewayInstance gateway = await StartGatewayAsync(("HoopGate:Gateway:StartupTimeoutSeconds", "1"));
        await using RawPgClient client = await RawPgClient.ConnectAsync(gateway.Port);
        await client.SendAsync(RawWire.SslRequest());
        Assert.Equal((byte)'S', await client.ReadByteAsync());
        var clock = Stopwatch.StartNew();

        // No ClientHello: the gateway may say why in plaintext or just close, but it must not wait forever.
        ErrorResponse? error = await GatewayChecks.ExpectFatalOrCloseAsync(client, SqlState.ProtocolViolation, QuickAnswer);

        output.WriteLine(error?.Message ?? "closed without a word");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), QuickAnswer);
        await GatewayChecks.AssertServesQueriesAsync(gateway);
    }
}
