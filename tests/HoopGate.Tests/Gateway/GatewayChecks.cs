using System.Diagnostics;
using HoopGate.Protocol.Backend;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.Tests.Gateway;

/// <summary>The assertions every abuse test ends with: what the client was told, and that the gateway is still fine.</summary>
internal static class GatewayChecks
{
    /// <summary>How long cleanup (a session ending, a server backend going away) may take before it counts as a leak.</summary>
    public static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The next message must be an ErrorResponse with <paramref name="severity"/> and <paramref name="sqlState"/>,
    /// and for a FATAL the connection must close right after it.
    /// </summary>
    public static async Task<ErrorResponse> ExpectErrorAsync(RawPgClient client, string sqlState, string severity = ErrorResponse.Fatal, TimeSpan? timeout = null)
    {
        PgMessage? message = await client.ReadMessageAsync(timeout);
        Assert.True(message is { Code: (byte)'E' }, "expected " + severity + " " + sqlState + ", got " + RawPgClient.Describe(message));
        ErrorResponse error = message!.Value.AsError();
        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal(severity, error.Severity);
        Assert.False(string.IsNullOrEmpty(error.Message), "the ErrorResponse has no message");
        if (severity == ErrorResponse.Fatal)
        {
            List<PgMessage> after = await client.ReadUntilClosedAsync(timeout);
            Assert.True(after.Count == 0, "after the FATAL the gateway sent " + RawPgClient.Describe(after) + " instead of closing");
        }

        return error;
    }

    /// <summary>
    /// For input where either answer is right: a FATAL with <paramref name="sqlState"/> then a close, or a close
    /// (orderly or reset) without a word. Anything else, or an open connection after <paramref name="timeout"/>, fails.
    /// </summary>
    public static async Task<ErrorResponse?> ExpectFatalOrCloseAsync(RawPgClient client, string sqlState, TimeSpan timeout)
    {
        PgMessage? message = await client.ReadMessageAsync(timeout);
        if (message is null)
        {
            return null;
        }

        ErrorResponse error = message.Value.AsError();
        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal(ErrorResponse.Fatal, error.Severity);
        List<PgMessage> after = await client.ReadUntilClosedAsync(timeout);
        Assert.True(after.Count == 0, "after the FATAL the gateway sent " + RawPgClient.Describe(after) + " instead of closing");
        return error;
    }

    /// <summary>A normal Npgsql session through <paramref name="gateway"/> still opens and answers.</summary>
    public static async Task AssertServesQueriesAsync(GatewayInstance gateway)
    {
        await using NpgsqlConnection connection = await gateway.OpenAsync().Within();
        await using var command = new NpgsqlCommand("SELECT 41 + 1", connection);
        object? result = await command.ExecuteScalarAsync().Within();
        Assert.Equal(42, result);
    }

    /// <summary>
    /// How many server backends carry <paramref name="applicationName"/> (asked directly, not through the gateway).
    /// The gateway puts the caller's subject in front of the client's own name ("alice tag").
    /// </summary>
    public static async Task<long> CountBackendsAsync(PostgresCluster cluster, string applicationName)
    {
        await using var connection = new NpgsqlConnection(cluster.SuperuserConnectionString);
        await connection.OpenAsync().Within();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'alice ' || $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        return (long)(await command.ExecuteScalarAsync().Within())!;
    }

    /// <summary>How many hg_app server backends exist, whoever opened them (the audit shipper's, in hg_audit, and the catalog reader's aside).</summary>
    public static async Task<(long Total, long Kept)> CountGatewayBackendsAsync(PostgresCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.SuperuserConnectionString);
        await connection.OpenAsync().Within();
        await using var command = new NpgsqlCommand(
            "SELECT count(*), count(*) FILTER (WHERE " + GatewayInstance.KeptBackendCondition + ") FROM pg_stat_activity WHERE usename = 'hg_app' AND datname IS DISTINCT FROM 'hg_audit' AND application_name <> 'hoopgate catalog'",
            connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within();
        Assert.True(await reader.ReadAsync().Within());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Polls (bounded) until the one backend tagged <paramref name="applicationName"/> is kept: idle after DISCARD ALL.</summary>
    public static async Task WaitForKeptBackendAsync(PostgresCluster cluster, string applicationName)
    {
        await using var connection = new NpgsqlConnection(cluster.SuperuserConnectionString);
        await connection.OpenAsync().Within();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE " + GatewayInstance.KeptBackendCondition + "), count(*) FROM pg_stat_activity WHERE application_name = 'alice ' || $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within())
            {
                Assert.True(await reader.ReadAsync().Within());
                if (reader.GetInt64(0) == 1 && reader.GetInt64(1) == 1)
                {
                    return;
                }
            }

            Assert.True(clock.Elapsed < CleanupTimeout, "the server backend of " + applicationName + " was not kept (reset with DISCARD ALL) within " + CleanupTimeout.TotalSeconds + " s");
            await Task.Delay(50).Within();
        }
    }

    /// <summary>Polls (bounded) until the backends tagged <paramref name="applicationName"/> number <paramref name="expected"/>.</summary>
    public static async Task WaitForBackendsAsync(PostgresCluster cluster, string applicationName, long expected, string why)
    {
        var clock = Stopwatch.StartNew();
        long count;
        while ((count = await CountBackendsAsync(cluster, applicationName)) != expected)
        {
            Assert.True(
                clock.Elapsed < CleanupTimeout,
                why + ": " + count + " server backend(s) with application_name " + applicationName + " after " + CleanupTimeout.TotalSeconds + " s, expected " + expected);
            await Task.Delay(100).Within();
        }
    }

    /// <summary>Polls (bounded) until the gateway's open sessions number <paramref name="expected"/>.</summary>
    public static async Task WaitForSessionCountAsync(GatewayInstance gateway, int expected, string why)
    {
        var clock = Stopwatch.StartNew();
        while (gateway.Listener.SessionCount != expected)
        {
            Assert.True(
                clock.Elapsed < CleanupTimeout,
                why + ": the gateway still has " + gateway.Listener.SessionCount + " session(s) after " + CleanupTimeout.TotalSeconds + " s, expected " + expected);
            await Task.Delay(50).Within();
        }
    }
}
