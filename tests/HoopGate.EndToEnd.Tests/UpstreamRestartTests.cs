using System.Diagnostics;
using HoopGate.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace HoopGate.EndToEnd.Tests;

/// <summary>The server restarting under open sessions: a clean error for each, and service again for new ones.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UpstreamRestartTests(GatewayFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Server_restart_fails_the_open_session_cleanly_and_new_sessions_work()
    {
        GatewayInstance gateway = fixture.Gateway;
        await using NpgsqlConnection before = await gateway.OpenAsync().Within();
        int oldPid = await before.ScalarAsync<int>("SELECT pg_backend_pid()");

        await fixture.Cluster.RestartAsync().Within(TimeSpan.FromSeconds(90));

        // The server ended the backend with FATAL 57P01; the client must see an error, not a hang.
        var stopwatch = Stopwatch.StartNew();
        NpgsqlException error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => before.ScalarAsync<int>("SELECT 1")).Within(TimeSpan.FromSeconds(15));
        output.WriteLine("after the restart: " + error.GetType().Name + " " + (error as PostgresException)?.SqlState + " " + error.Message);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), "the failure took " + stopwatch.Elapsed);
        if (error is PostgresException postgres)
        {
            Assert.Contains(postgres.SqlState, new[] { PostgresErrorCodes.AdminShutdown, PostgresErrorCodes.ConnectionFailure });
        }

        Assert.NotEqual(System.Data.ConnectionState.Open, before.FullState);

        await using NpgsqlConnection after = await gateway.OpenAsync().Within();
        int newPid = await after.ScalarAsync<int>("SELECT pg_backend_pid()");
        Assert.NotEqual(oldPid, newPid);
        Assert.Equal(newPid, after.ProcessID);
        Assert.Equal(1, await after.ScalarAsync<int>("SELECT 1"));
    }
}
