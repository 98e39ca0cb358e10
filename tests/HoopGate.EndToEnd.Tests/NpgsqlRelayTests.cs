using HoopGate.Testing;
using Npgsql;
using NpgsqlTypes;

namespace HoopGate.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class NpgsqlRelayTests(GatewayFixture fixture)
{
    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Simple_query_returns_the_servers_answer()
    {
        await using NpgsqlConnection connection = await _gateway.OpenAsync().Within();
        await using var command = new NpgsqlCommand("SELECT current_user, 40 + 2", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("hg_app", reader.GetString(0));
        Assert.Equal(42, reader.GetInt32(1));
    }

    [Fact]
    public async Task Backend_pid_seen_by_the_client_is_the_servers_real_pid()
    {
        await using NpgsqlConnection connection = await _gateway.OpenAsync().Within();
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        int pid = (int)(await command.ExecuteScalarAsync().Within())!;
        Assert.Equal(pid, connection.ProcessID);
    }

    [Fact]
    public async Task Prepared_statement_with_parameters_and_binary_results_round_trips()
    {
        await using NpgsqlConnection connection = await _gateway.OpenAsync().Within();
        await using var command = new NpgsqlCommand("SELECT $1::int8 * 2, $2::text || '!', $3::bytea, $4::uuid", connection);
        var id = Guid.NewGuid();
        command.Parameters.Add(new NpgsqlParameter { Value = 21L, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = "hi", NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = new byte[] { 0, 1, 255 }, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Uuid });
        await command.PrepareAsync().Within();
        for (int i = 0; i < 3; i++)
        {
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(42L, reader.GetInt64(0));
            Assert.Equal("hi!", reader.GetString(1));
            Assert.Equal(new byte[] { 0, 1, 255 }, (byte[])reader.GetValue(2));
            Assert.Equal(id, reader.GetGuid(3));
        }
    }
}
