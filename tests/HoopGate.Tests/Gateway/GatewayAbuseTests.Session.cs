using System.Text;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Testing;

namespace HoopGate.Tests.Gateway;

/// <summary>Abuse after a successful login: the relay's framing, its limits, and clients that vanish mid-result.</summary>
public sealed partial class GatewayAbuseTests
{
    [Fact]
    public async Task Terminate_ends_the_session_and_leaves_its_server_backend_reset_for_the_callers_next_session_only()
    {
        (RawPgClient client, string tag) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.Terminate());
            Assert.Empty(await client.ReadUntilClosedAsync());
        }

        await GatewayChecks.WaitForKeptBackendAsync(Cluster, tag);

        // The same caller with the same settings is served by it: no second backend appears.
        (RawPgClient again, _) = await LoginTaggedAsync(_gateway, tag);
        await using (again)
        {
            Assert.Equal(1L, await GatewayChecks.CountBackendsAsync(Cluster, tag));
            Assert.Equal("ok", Assert.Single(await again.QueryAsync("SELECT 'ok'")));
        }
    }

    [Fact]
    public async Task With_reuse_off_Terminate_ends_the_server_backend()
    {
        await using GatewayInstance gateway = await StartGatewayAsync(("HoopGate:Upstream:ReuseSessions", "false"));
        (RawPgClient client, string tag) = await LoginTaggedAsync(gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.Terminate());
            Assert.Empty(await client.ReadUntilClosedAsync());
        }

        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "Terminate should end the server backend");
    }

    [Theory]
    [InlineData((byte)'Z')]
    [InlineData((byte)'R')]
    [InlineData((byte)'T')]
    [InlineData((byte)'v')]
    [InlineData(0x01)]
    [InlineData(0x00)]
    [InlineData(0xFF)]
    public async Task Unknown_message_type_after_startup_gets_fatal_08P01(byte code)
    {
        (RawPgClient client, string tag) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.Message(code, []));

            await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        }

        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "the violating session's server backend should end with it");
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task PasswordMessage_after_login_gets_fatal_08P01()
    {
        (RawPgClient client, string tag) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.PasswordMessage(GatewayInstance.Password));

            await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        }

        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "the violating session's server backend should end with it");
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData((byte)'Q', 3)]
    [InlineData((byte)'Q', 0)]
    [InlineData((byte)'Q', -1)]
    [InlineData((byte)'Q', int.MinValue)]
    [InlineData((byte)'B', 2)]
    [InlineData((byte)'S', -5)]
    public async Task Message_length_below_four_after_startup_gets_fatal_08P01(byte code, int length)
    {
        (RawPgClient client, string tag) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.Header(code, length));

            await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        }

        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "the violating session's server backend should end with it");
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Query_longer_than_MaxMessageLength_gets_fatal_08P01_before_its_body_is_sent()
    {
        await using GatewayInstance gateway = await StartGatewayAsync(("HoopGate:Gateway:MaxMessageLength", "4096"));

        // Just under the limit still goes through, so the refusal below is about the length and nothing else.
        await using (RawPgClient control = await RawPgClient.ConnectAsync(gateway.Port))
        {
            await control.LoginAsync();
            string text = new('x', 3000);
            Assert.Equal(text, Assert.Single(await control.QueryAsync("SELECT '" + text + "'")));
        }

        (RawPgClient client, string tag) = await LoginTaggedAsync(gateway);
        await using (client)
        {
            // The header announces 100 kB; only a few bytes of the body follow, and the rest never will.
            await client.SendAsync([.. RawWire.Header((byte)'Q', 100_000), .. Encoding.ASCII.GetBytes("SELECT ")]);

            ErrorResponse error = await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation, timeout: QuickAnswer);
            output.WriteLine(error.Message);
        }

        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "the violating session's server backend should end with it");
        await GatewayChecks.AssertServesQueriesAsync(gateway);
    }

    [Theory]
    [InlineData((byte)'Q')]
    [InlineData((byte)'P')]
    [InlineData((byte)'B')]
    [InlineData((byte)'d')]
    public async Task Absurd_message_length_after_startup_gets_fatal_08P01_without_waiting_for_2_GB(byte code)
    {
        (RawPgClient client, string tag) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.Header(code, int.MaxValue));

            await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation, timeout: QuickAnswer);
        }

        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "the violating session's server backend should end with it");
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Query_without_its_terminating_NUL_gets_a_clean_answer_and_no_hang()
    {
        (RawPgClient client, string tag) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.Message((byte)'Q', Encoding.ASCII.GetBytes("SELECT 1")));

            // The server decides what this is; the gateway must only relay its verdict or close, never hang.
            PgMessage? message = await client.ReadMessageAsync();
            Log("Query without NUL", message);
            if (message is not null)
            {
                ErrorResponse error = message.Value.AsError();
                Assert.False(string.IsNullOrEmpty(error.SqlState), "the ErrorResponse carries no SQLSTATE");
                if (error.Severity == ErrorResponse.Fatal)
                {
                    Assert.Empty(await client.ReadUntilClosedAsync());
                }
                else
                {
                    Assert.Equal(ErrorResponse.Error, error.Severity);
                    await client.ReadUntilReadyAsync();
                    Assert.Equal("1", Assert.Single(await client.QueryAsync("SELECT 1")));
                    await client.SendAsync(RawWire.Terminate());
                    Assert.Empty(await client.ReadUntilClosedAsync());
                }
            }
        }

        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "the session's server backend should end with it");
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(true, 5000)]
    public async Task Client_that_vanishes_during_a_big_result_leaves_no_server_backend_and_the_gateway_keeps_serving(bool reset, int rowsRead)
    {
        (RawPgClient client, string tag) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.Query("SELECT repeat('x', 1000) FROM generate_series(1, 200000)"));

            // Wait for the first row, so the server is really streaming ~200 MB when the client goes.
            PgMessage? message;
            do
            {
                message = await client.ReadMessageAsync();
            }
            while (message is { Code: (byte)'T' });
            Assert.True(message is { Code: (byte)'D' }, "expected the first DataRow, got " + RawPgClient.Describe(message));

            // Reading for a while first means the gateway is busy writing, not parked on backpressure, when the client goes.
            for (int i = 1; i < rowsRead; i++)
            {
                message = await client.ReadMessageAsync();
                Assert.True(message is { Code: (byte)'D' }, "expected DataRow " + (i + 1) + ", got " + RawPgClient.Describe(message));
            }

            if (reset)
            {
                client.Abort();
            }
        }

        await GatewayChecks.AssertServesQueriesAsync(_gateway);
        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "the vanished client's server backend should end");
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Protocol_violation_in_the_middle_of_a_pipeline_still_gets_fatal_08P01()
    {
        (RawPgClient client, string tag) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            // A good query and a bad message in one write: the good one's answer may arrive, then the FATAL.
            await client.SendAsync([.. RawWire.Query("SELECT 1"), .. RawWire.Message(0x01, [])]);

            var received = new List<PgMessage>();
            PgMessage? message;
            while ((message = await client.ReadMessageAsync()) is { Code: not (byte)'E' } m)
            {
                received.Add(m);
            }

            Assert.True(message is not null, "the connection closed without the FATAL; received " + RawPgClient.Describe(received));
            ErrorResponse error = message!.Value.AsError();
            Assert.Equal(SqlState.ProtocolViolation, error.SqlState);
            Assert.Equal(ErrorResponse.Fatal, error.Severity);
            Assert.Empty(await client.ReadUntilClosedAsync());
            output.WriteLine("before the FATAL: " + RawPgClient.Describe(received));
        }

        await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 0, "the violating session's server backend should end with it");
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }
}
