using System.Text;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;

namespace HoopGate.Tests.Gateway;

/// <summary>Policy at the message level: exactly what a client receives when statements are refused.</summary>
public sealed partial class GatewayAbuseTests
{
    private const string Forbidden = "SELECT pg_read_file('/etc/passwd')";

    [Fact]
    public async Task A_denied_Parse_answers_one_error_and_the_rest_of_its_batch_is_skipped_up_to_Sync()
    {
        (RawPgClient client, _) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            // Two batches in one write: the first's Parse is refused, the second is ordinary.
            await client.SendAsync([
                .. Parse("", Forbidden), .. Bind(), .. Execute(), .. Parse("", "SELECT 2"), .. Bind(), .. Execute(), .. Sync(),
                .. Parse("", "SELECT 3"), .. Bind(), .. Execute(), .. Sync()]);

            List<PgMessage> messages = await ReadReadyForQueriesAsync(client, 2);
            Assert.Equal("EZ12DCZ", Codes(messages));
            ErrorResponse error = messages[0].AsError();
            Assert.Equal(SqlState.InsufficientPrivilege, error.SqlState);
            Assert.Equal(ErrorResponse.Error, error.Severity);
            Assert.StartsWith("permission denied by policy rule \"forbidden-function\": pg_read_file", error.Message, StringComparison.Ordinal);
            Assert.Equal("3", messages[4].FirstColumnText());
            Assert.Equal((byte)'I', messages[^1].Body[0]);
        }
    }

    [Fact]
    public async Task A_denied_named_statement_does_not_exist_afterwards_as_after_any_failed_Parse()
    {
        (RawPgClient client, _) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync([.. Parse("stolen", Forbidden), .. Sync(), .. Bind("stolen"), .. Execute(), .. Sync()]);

            List<PgMessage> messages = await ReadReadyForQueriesAsync(client, 2);
            Assert.Equal("EZEZ", Codes(messages));
            Assert.Equal(SqlState.InsufficientPrivilege, messages[0].AsError().SqlState);
            Assert.Equal("26000", messages[2].AsError().SqlState);
        }
    }

    [Fact]
    public async Task A_denied_Query_answers_an_error_and_ReadyForQuery_with_the_true_transaction_status()
    {
        (RawPgClient client, _) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync([.. RawWire.Query("BEGIN"), .. RawWire.Query(Forbidden), .. RawWire.Query("ROLLBACK")]);

            List<PgMessage> messages = await ReadReadyForQueriesAsync(client, 3);
            Assert.Equal("CZEZCZ", Codes(messages));
            Assert.Equal((byte)'T', messages[1].Body[0]);
            Assert.Equal(SqlState.InsufficientPrivilege, messages[2].AsError().SqlState);
            Assert.Equal((byte)'E', messages[3].Body[0]);
            Assert.Equal((byte)'I', messages[5].Body[0]);
        }
    }

    [Fact]
    public async Task FunctionCall_is_refused_because_policy_cannot_see_which_function_it_calls()
    {
        (RawPgClient client, _) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            // FunctionCall of pg_backend_pid (OID 2026): no arguments, text result.
            await client.SendAsync(RawWire.Message((byte)'F', [.. RawWire.Int32s(2026), 0, 0, 0, 0, 0, 0]));

            List<PgMessage> messages = await ReadReadyForQueriesAsync(client, 1);
            Assert.Equal("EZ", Codes(messages));
            ErrorResponse error = messages[0].AsError();
            Assert.Equal(SqlState.InsufficientPrivilege, error.SqlState);
            Assert.Contains("\"function-call\"", error.Message, StringComparison.Ordinal);
            Assert.Equal(["1"], await client.QueryAsync("SELECT 1"));
        }
    }

    [Fact]
    public async Task A_Query_whose_string_is_not_terminated_is_a_protocol_violation()
    {
        (RawPgClient client, _) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            await client.SendAsync(RawWire.Message((byte)'Q', Encoding.UTF8.GetBytes("SELECT 1")));
            await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        }
    }

    [Fact]
    public async Task A_portal_named_like_the_gateways_refusal_portal_is_a_protocol_violation()
    {
        (RawPgClient client, _) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            // Otherwise a client could make the portal a refused Execute runs, and run its own statement unaudited.
            await client.SendAsync([
                .. Parse("", "SELECT 1"),
                .. RawWire.Message((byte)'B', [.. RawWire.CString(HoopGate.Gateway.Sessions.FrontendRelay.RefusedPortalName), .. RawWire.CString(""), 0, 0, 0, 0, 0, 0]),
                .. Sync()]);
            await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        }
    }

    [Theory]
    [InlineData("DECLARE \"" + HoopGate.Gateway.Sessions.FrontendRelay.RefusedPortalName + "\" CURSOR WITH HOLD FOR SELECT 1")]
    [InlineData("PREPARE \"" + HoopGate.Gateway.Sessions.FrontendRelay.SpentStatementName + "\" AS SELECT 1")]
    public async Task Sql_cannot_create_the_names_a_refused_execute_or_a_spent_approval_would_run(string sql)
    {
        (RawPgClient client, _) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            // Otherwise every refused Execute (audit down, approval spent) would run the client's own cursor or statement.
            await client.SendAsync(RawWire.Query(sql));
            ErrorResponse refused = await GatewayChecks.ExpectErrorAsync(client, SqlState.InsufficientPrivilege, ErrorResponse.Error);
            Assert.Contains("reserved-name", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_query_the_server_skips_after_an_extended_protocol_error_does_not_put_later_answers_out_of_step()
    {
        (RawPgClient client, _) = await LoginTaggedAsync(_gateway);
        await using (client)
        {
            // A Parse error with no Sync: the server discards what follows until Sync, a refused Query included.
            await client.SendAsync([.. Parse("", "SELEC 1"), .. RawWire.Message((byte)'H', [])]);
            Assert.Equal("42601", (await client.ReadMessageAsync())!.Value.AsError().SqlState);
            await client.SendAsync([.. RawWire.Query("SELECT 1"), .. RawWire.Query(Forbidden), .. Sync()]);
            Assert.Equal("Z", Codes(await ReadReadyForQueriesAsync(client, 1)));

            // The next error is the server's own, not a policy error left over from the skipped Query.
            await client.SendAsync(RawWire.Query("SELECT 1/0"));
            List<PgMessage> messages = await ReadReadyForQueriesAsync(client, 1);
            Assert.Equal("EZ", Codes(messages));
            Assert.Equal("22012", messages[0].AsError().SqlState);
            Assert.Equal(["7"], await client.QueryAsync("SELECT 7"));
        }
    }

    private static async Task<List<PgMessage>> ReadReadyForQueriesAsync(RawPgClient client, int count)
    {
        var messages = new List<PgMessage>();
        while (count > 0)
        {
            PgMessage message = await client.ReadMessageAsync() ?? throw new InvalidOperationException(
                "the gateway closed the connection; received " + RawPgClient.Describe(messages));
            messages.Add(message);
            if (message.Code == (byte)'Z')
            {
                count--;
            }
        }

        return messages;
    }

    private static string Codes(IEnumerable<PgMessage> messages) => new(messages.Select(m => (char)m.Code).ToArray());

    private static byte[] Parse(string name, string sql) => RawWire.Message((byte)'P', [.. RawWire.CString(name), .. RawWire.CString(sql), 0, 0]);

    private static byte[] Bind(string statement = "") =>
        RawWire.Message((byte)'B', [.. RawWire.CString(""), .. RawWire.CString(statement), 0, 0, 0, 0, 0, 0]);

    private static byte[] Execute() => RawWire.Message((byte)'E', [.. RawWire.CString(""), 0, 0, 0, 0]);

    private static byte[] Sync() => RawWire.Message((byte)'S', []);
}
