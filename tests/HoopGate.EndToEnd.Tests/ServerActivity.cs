using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Looks at the server directly (as the superuser, not through the gateway), so that a test can wait until a
/// statement is really running before it cancels or stops something.
/// </summary>
internal static class ServerActivity
{
    /// <summary>Waits until backend <paramref name="pid"/> is running a statement containing <paramref name="queryFragment"/>.</summary>
    public static async Task WaitUntilRunningAsync(PostgresCluster cluster, int pid, string queryFragment)
    {
        await using var connection = new NpgsqlConnection(cluster.SuperuserConnectionString);
        await connection.OpenAsync().Within();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND strpos(query, $2) > 0", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pid });
        command.Parameters.Add(new NpgsqlParameter { Value = queryFragment });
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            long running = (long)(await command.ExecuteScalarAsync().Within())!;
            if (running == 1)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("backend " + pid + " never started running '" + queryFragment + "'");
            }

            await Task.Delay(20).Within();
        }
    }
}
