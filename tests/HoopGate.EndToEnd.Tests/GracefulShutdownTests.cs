using System.Diagnostics;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Stopping a gateway: idle sessions end at once with FATAL 57P01; busy ones finish their statement first,
/// within ShutdownTimeoutSeconds.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class GracefulShutdownTests(GatewayFixture fixture)
{
    private static readonly Dictionary<string, string?> ShortShutdown = new() { ["HoopGate:Gateway:ShutdownTimeoutSeconds"] = "3" };

    [Fact]
    public async Task Idle_session_is_ended_with_57P01_when_the_gateway_stops()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, ShortShutdown).Within();
        await using NpgsqlConnection connection = await gateway.OpenAsync().Within();
        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));

        var stopwatch = Stopwatch.StartNew();
        await gateway.StopAsync().Within(TimeSpan.FromSeconds(15));

        // Nothing was in flight, so the gateway need not wait for the grace period.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.5), "stop took " + stopwatch.Elapsed);
        Assert.Equal(0, gateway.Listener.SessionCount);
        NpgsqlException error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.ScalarAsync<int>("SELECT 1")).Within(TimeSpan.FromSeconds(10));
        PostgresException fatal = Assert.IsType<PostgresException>(error);
        Assert.Equal(PostgresErrorCodes.AdminShutdown, fatal.SqlState);
        Assert.Equal("FATAL", fatal.Severity);
    }

    [Fact]
    public async Task Busy_session_finishes_its_statement_before_the_gateway_ends_it()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, ShortShutdown).Within();
        await using NpgsqlConnection connection = await gateway.OpenAsync().Within();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(1), 'completed'", connection);
        Task<string> running = ReadSecondColumnAsync(command);
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, connection.ProcessID, "pg_sleep(1)").Within();

        var stopwatch = Stopwatch.StartNew();
        Task stopping = gateway.StopAsync();

        Assert.Equal("completed", await running.Within(TimeSpan.FromSeconds(10)));
        await stopping.Within(TimeSpan.FromSeconds(15));

        // The session ended when its statement did, before the 3 s grace period ran out.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.9), "stop took " + stopwatch.Elapsed);
        NpgsqlException error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.ScalarAsync<int>("SELECT 1")).Within(TimeSpan.FromSeconds(10));
        PostgresException fatal = Assert.IsType<PostgresException>(error);
        Assert.Equal(PostgresErrorCodes.AdminShutdown, fatal.SqlState);
    }

    [Fact]
    public async Task Session_still_busy_at_the_shutdown_timeout_is_ended_with_57P01()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Gateway:ShutdownTimeoutSeconds"] = "1",
        }).Within();
        await using NpgsqlConnection connection = await gateway.OpenAsync().Within();
        int pid = connection.ProcessID;
        await using var command = new NpgsqlCommand("SELECT pg_sleep(4)", connection);
        Task<object?> running = command.ExecuteScalarAsync();
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, pid, "pg_sleep(4)").Within();

        var stopwatch = Stopwatch.StartNew();
        await gateway.StopAsync().Within(TimeSpan.FromSeconds(15));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), "stop took " + stopwatch.Elapsed);

        // The statement was cut off between messages (pg_sleep sends nothing until it is done), so the FATAL can be written.
        NpgsqlException error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => running).Within(TimeSpan.FromSeconds(10));
        PostgresException fatal = Assert.IsType<PostgresException>(error);
        Assert.Equal(PostgresErrorCodes.AdminShutdown, fatal.SqlState);
        Assert.Equal("FATAL", fatal.Severity);

        // The server backend does not outlive the session: once its statement is over it reads the gateway's
        // Terminate (or the closed socket) and exits, rather than lingering as an idle connection.
        await using var superuser = new NpgsqlConnection(fixture.Cluster.SuperuserConnectionString);
        await superuser.OpenAsync().Within();
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        long remaining;
        do
        {
            await Task.Delay(50).Within();
            remaining = await superuser.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid);
        }
        while (remaining != 0 && DateTime.UtcNow < deadline);

        Assert.Equal(0L, remaining);
    }

    private static async Task<string> ReadSecondColumnAsync(NpgsqlCommand command)
    {
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException("no row");
        }

        return reader.GetString(1);
    }
}
