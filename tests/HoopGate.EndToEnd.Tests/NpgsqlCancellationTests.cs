using System.Diagnostics;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Query cancellation through the gateway: Npgsql sends its CancelRequest to the gateway with the gateway's
/// cancel key, and the gateway cancels the server backend with the server's.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class NpgsqlCancellationTests(GatewayFixture fixture)
{
    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Command_cancel_ends_a_long_query_with_57014_and_the_session_stays_usable()
    {
        await using NpgsqlConnection connection = await _gateway.OpenAsync().Within();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        var stopwatch = Stopwatch.StartNew();
        Task<object?> running = command.ExecuteScalarAsync();
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, connection.ProcessID, "pg_sleep(30)").Within();

        command.Cancel();

        await AssertCanceledAndStillUsableAsync(running, stopwatch, connection);
    }

    [Fact]
    public async Task Cancellation_token_ends_a_long_query_with_57014_and_the_session_stays_usable()
    {
        await using NpgsqlConnection connection = await _gateway.OpenAsync().Within();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        using var cancellation = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();
        Task<object?> running = command.ExecuteScalarAsync(cancellation.Token);
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, connection.ProcessID, "pg_sleep(30)").Within();

        await cancellation.CancelAsync().Within();

        await AssertCanceledAndStillUsableAsync(running, stopwatch, connection);
    }

    /// <summary>
    /// Npgsql turns a cancel the server honoured into OperationCanceledException around the 57014; when the server
    /// does not answer within CancellationTimeout it breaks the connection instead, which the last assertions catch.
    /// </summary>
    private static async Task AssertCanceledAndStillUsableAsync(Task<object?> running, Stopwatch stopwatch, NpgsqlConnection connection)
    {
        OperationCanceledException canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running).Within(TimeSpan.FromSeconds(10));
        PostgresException error = Assert.IsType<PostgresException>(canceled.InnerException);
        Assert.Equal(PostgresErrorCodes.QueryCanceled, error.SqlState);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), "cancel took " + stopwatch.Elapsed);
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
        Assert.Equal(2, await connection.ScalarAsync<int>("SELECT 1 + 1"));
    }

    [Fact]
    public async Task Cancel_with_a_wrong_secret_is_ignored()
    {
        await using RawClient raw = await RawClient.ConnectAsync(_gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password).Within();
        RawClient.QueryResult pid = await raw.QueryAsync("SELECT pg_backend_pid()").Within();
        Assert.Equal(raw.KeyData.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(pid.Rows)[0]);

        await raw.SendQueryAsync("SELECT pg_sleep(1.5), 'finished'").Within();
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, raw.KeyData.ProcessId, "pg_sleep(1.5)").Within();
        await RawClient.SendCancelAsync(_gateway.EndPoint, raw.KeyData with { SecretKey = raw.KeyData.SecretKey ^ 0x5A5A }).Within();

        RawClient.QueryResult result = await raw.ReadResultAsync().Within();
        Assert.Empty(result.Errors);
        Assert.Equal("finished", Assert.Single(result.Rows)[1]);
    }
}
