using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>Transactions and statement errors through the gateway, with Npgsql.</summary>
[Collection(GatewayCollection.Name)]
public sealed class NpgsqlTransactionTests(GatewayFixture fixture)
{
    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Committed_transaction_is_visible_to_another_session()
    {
        string table = GatewayFixture.UniqueName("tx_commit");
        await using NpgsqlConnection writer = await _gateway.OpenAsync("hg_test").Within();
        await using NpgsqlConnection reader = await _gateway.OpenAsync("hg_test").Within();
        await writer.ExecuteAsync($"CREATE TABLE {table} (id int PRIMARY KEY, name text)");

        await using (NpgsqlTransaction transaction = await writer.BeginTransactionAsync().Within())
        {
            await writer.ExecuteAsync($"INSERT INTO {table} VALUES (1, 'one'), (2, 'two')");
            Assert.Equal(0L, await reader.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
            await transaction.CommitAsync().Within();
        }

        Assert.Equal(2L, await reader.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        Assert.Equal("two", await reader.ScalarAsync<string>($"SELECT name FROM {table} WHERE id = 2"));
        await writer.ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Rolled_back_transaction_leaves_no_rows()
    {
        string table = GatewayFixture.UniqueName("tx_rollback");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int)");

        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync().Within())
        {
            await connection.ExecuteAsync($"INSERT INTO {table} SELECT generate_series(1, 100)");
            Assert.Equal(100L, await connection.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
            await transaction.RollbackAsync().Within();
        }

        Assert.Equal(0L, await connection.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Error_inside_a_transaction_fails_it_with_25P02_until_rollback()
    {
        string table = GatewayFixture.UniqueName("tx_failed");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int)");

        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync().Within())
        {
            await connection.ExecuteAsync($"INSERT INTO {table} VALUES (1)");
            PostgresException error = await Assert.ThrowsAsync<PostgresException>(
                () => connection.ExecuteAsync($"INSERT INTO {table} VALUES ('not a number')")).Within();
            Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, error.SqlState);

            PostgresException aborted = await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<int>("SELECT 1")).Within();
            Assert.Equal(PostgresErrorCodes.InFailedSqlTransaction, aborted.SqlState);

            await transaction.RollbackAsync().Within();
        }

        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));
        Assert.Equal(0L, await connection.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Statement_error_outside_a_transaction_leaves_the_session_usable()
    {
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync("SET work_mem = '7MB'");

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<int>("SELECT 1/0")).Within();
        Assert.Equal(PostgresErrorCodes.DivisionByZero, error.SqlState);
        Assert.Equal("ERROR", error.Severity);

        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));
        Assert.Equal("7MB", await connection.ScalarAsync<string>("SHOW work_mem"));
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }

    [Fact]
    public async Task Savepoint_rollback_keeps_the_earlier_work_of_the_transaction()
    {
        string table = GatewayFixture.UniqueName("tx_savepoint");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int)");

        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync().Within())
        {
            await connection.ExecuteAsync($"INSERT INTO {table} VALUES (1)");
            await transaction.SaveAsync("before_error").Within();
            await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<int>("SELECT 1/0")).Within();
            await transaction.RollbackAsync("before_error").Within();
            await connection.ExecuteAsync($"INSERT INTO {table} VALUES (2)");
            await transaction.CommitAsync().Within();
        }

        Assert.Equal(3L, await connection.ScalarAsync<long>($"SELECT sum(id) FROM {table}"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }
}
