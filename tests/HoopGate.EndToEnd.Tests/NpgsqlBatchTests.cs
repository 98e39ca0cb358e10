using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>Extended-protocol batches (several Parse/Bind/Execute before one Sync) through the gateway.</summary>
[Collection(GatewayCollection.Name)]
public sealed class NpgsqlBatchTests(GatewayFixture fixture)
{
    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Batch_of_several_commands_returns_each_result_in_order()
    {
        string table = GatewayFixture.UniqueName("batch_ok");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int, name text)");

        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"INSERT INTO {table} VALUES ($1, $2)") { Parameters = { new() { Value = 1 }, new() { Value = "one" } } },
                new NpgsqlBatchCommand($"INSERT INTO {table} VALUES ($1, $2)") { Parameters = { new() { Value = 2 }, new() { Value = "two" } } },
                new NpgsqlBatchCommand($"SELECT id, name FROM {table} ORDER BY id"),
                new NpgsqlBatchCommand("SELECT $1::int * 10") { Parameters = { new() { Value = 7 } } },
            },
        };

        var rows = new List<(int Id, string Name)>();
        int scalar;
        await using (NpgsqlDataReader reader = await batch.ExecuteReaderAsync().Within())
        {
            while (await reader.ReadAsync().Within())
            {
                rows.Add((reader.GetInt32(0), reader.GetString(1)));
            }

            Assert.True(await reader.NextResultAsync().Within());
            Assert.True(await reader.ReadAsync().Within());
            scalar = reader.GetInt32(0);
            Assert.False(await reader.NextResultAsync().Within());
        }

        Assert.Equal([(1, "one"), (2, "two")], rows);
        Assert.Equal(70, scalar);
        Assert.Equal(1, batch.BatchCommands[0].RecordsAffected);
        Assert.Equal(1, batch.BatchCommands[1].RecordsAffected);
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Failing_command_in_a_batch_skips_the_later_ones_and_the_connection_stays_usable()
    {
        string table = GatewayFixture.UniqueName("batch_fail");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int)");

        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"INSERT INTO {table} VALUES (1)"),
                new NpgsqlBatchCommand("SELECT 1/0"),
                new NpgsqlBatchCommand($"INSERT INTO {table} VALUES (3)"),
            },
        };

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync()).Within();
        Assert.Equal(PostgresErrorCodes.DivisionByZero, error.SqlState);

        // One Sync for the whole batch: an implicit transaction, so the first insert is rolled back and the third never ran.
        Assert.Equal(0L, await connection.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Batch_with_error_barriers_keeps_the_work_before_and_after_the_failure()
    {
        string table = GatewayFixture.UniqueName("batch_barrier");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int)");

        // A Sync after every command: each is its own transaction, and the server skips nothing after the error.
        await using var batch = new NpgsqlBatch(connection)
        {
            EnableErrorBarriers = true,
            BatchCommands =
            {
                new NpgsqlBatchCommand($"INSERT INTO {table} VALUES (1)"),
                new NpgsqlBatchCommand("SELECT 1/0"),
                new NpgsqlBatchCommand($"INSERT INTO {table} VALUES (3)"),
            },
        };

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync()).Within();
        Assert.Equal(PostgresErrorCodes.DivisionByZero, error.SqlState);

        Assert.Equal(4L, await connection.ScalarAsync<long>($"SELECT sum(id) FROM {table}"));
        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }
}
