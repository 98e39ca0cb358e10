using System.Data;
using System.Security.Cryptography;
using HoopGate.Testing;
using Npgsql;
using NpgsqlTypes;

namespace HoopGate.EndToEnd.Tests;

/// <summary>Volumes past any buffer of the gateway's: a million rows, and a value larger than MaxMessageLength.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LargeResultTests(GatewayFixture fixture)
{
    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Million_row_result_is_read_completely()
    {
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await using var command = new NpgsqlCommand("SELECT g, repeat('x', 90) FROM generate_series(1, 1000000) g", connection);

        (long rows, long sum, int last, string lastText) = await ReadAllAsync(command).Within(TimeSpan.FromSeconds(120));

        Assert.Equal(1_000_000L, rows);
        Assert.Equal(500_000_500_000L, sum);
        Assert.Equal(1_000_000, last);
        Assert.Equal(new string('x', 90), lastText);
        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));

        static async Task<(long Rows, long Sum, int Last, string LastText)> ReadAllAsync(NpgsqlCommand command)
        {
            long rows = 0, sum = 0;
            int last = 0;
            string lastText = "";
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                last = reader.GetInt32(0);
                lastText = reader.GetString(1);
                sum += last;
                rows++;
            }

            return (rows, sum, last, lastText);
        }
    }

    [Fact]
    public async Task Bytea_of_100_mb_round_trips_as_a_parameter_and_a_result()
    {
        const int size = 100 * 1024 * 1024;
        byte[] value = new byte[size];
        new Random(20240611).NextBytes(value);
        byte[] expectedHash = SHA256.HashData(value);
        string table = GatewayFixture.UniqueName("big_bytea");

        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TEMP TABLE {table} (b bytea)");

        // Client to server: one Bind of 100 MB, larger than the gateway's MaxMessageLength (64 MiB), so it must stream.
        await using (var insert = new NpgsqlCommand($"INSERT INTO {table} VALUES ($1)", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Bytea });
            Assert.Equal(1, await insert.ExecuteNonQueryAsync().Within(TimeSpan.FromSeconds(120)));
        }

        await using (var check = new NpgsqlCommand($"SELECT length(b), sha256(b) FROM {table}", connection))
        await using (NpgsqlDataReader reader = await check.ExecuteReaderAsync().Within())
        {
            Assert.True(await reader.ReadAsync().Within());
            Assert.Equal(size, reader.GetInt32(0));
            Assert.Equal(expectedHash, (byte[])reader.GetValue(1));
        }

        // Server to client: one DataRow of 100 MB, hashed as it streams in.
        await using (var select = new NpgsqlCommand($"SELECT b FROM {table}", connection))
        {
            (long length, byte[] hash) = await ReadHashedAsync(select).Within(TimeSpan.FromSeconds(120));
            Assert.Equal(size, length);
            Assert.Equal(expectedHash, hash);
        }

        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));

        static async Task<(long Length, byte[] Hash)> ReadHashedAsync(NpgsqlCommand select)
        {
            await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(CommandBehavior.SequentialAccess);
            if (!await reader.ReadAsync())
            {
                throw new InvalidOperationException("no row");
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using Stream stream = await reader.GetStreamAsync(0);
            byte[] buffer = new byte[81920];
            long length = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
            }

            return (length, hash.GetHashAndReset());
        }
    }
}
