using HoopGate.Testing;
using Npgsql;
using NpgsqlTypes;

namespace HoopGate.EndToEnd.Tests;

/// <summary>COPY FROM STDIN and COPY TO STDOUT, binary and text, through the gateway.</summary>
[Collection(GatewayCollection.Name)]
public sealed class CopyTests(GatewayFixture fixture)
{
    private const int RowCount = 20_000;

    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Binary_copy_from_stdin_inserts_every_row()
    {
        string table = GatewayFixture.UniqueName("copy_bin_in");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int, name text, payload bytea)");

        ulong written;
        await using (NpgsqlBinaryImporter importer = await connection.BeginBinaryImportAsync(
                         $"COPY {table} (id, name, payload) FROM STDIN (FORMAT BINARY)").Within())
        {
            for (int i = 1; i <= RowCount; i++)
            {
                await importer.StartRowAsync().Within();
                await importer.WriteAsync(i, NpgsqlDbType.Integer).Within();
                await importer.WriteAsync("name-" + i, NpgsqlDbType.Text).Within();
                await importer.WriteAsync(new byte[] { (byte)i, (byte)(i >> 8), 0xFF }, NpgsqlDbType.Bytea).Within();
            }

            written = await importer.CompleteAsync().Within();
        }

        Assert.Equal((ulong)RowCount, written);
        Assert.Equal((long)RowCount, await connection.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        Assert.Equal((long)RowCount * (RowCount + 1) / 2, await connection.ScalarAsync<long>($"SELECT sum(id) FROM {table}"));
        Assert.Equal("name-12345", await connection.ScalarAsync<string>($"SELECT name FROM {table} WHERE id = 12345"));
        Assert.Equal(new byte[] { 0x39, 0x30, 0xFF }, await connection.ScalarAsync<byte[]>($"SELECT payload FROM {table} WHERE id = 12345"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Text_copy_from_stdin_inserts_every_row()
    {
        string table = GatewayFixture.UniqueName("copy_txt_in");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int, name text)");

        await using (TextWriter writer = await connection.BeginTextImportAsync($"COPY {table} (id, name) FROM STDIN").Within())
        {
            for (int i = 1; i <= RowCount; i++)
            {
                await writer.WriteAsync(i + "\tline " + i + " with tab\\there\n").Within();
            }

            await writer.WriteAsync("0\t\\N\n").Within();
        }

        Assert.Equal((long)RowCount + 1, await connection.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        Assert.Equal((long)RowCount * (RowCount + 1) / 2, await connection.ScalarAsync<long>($"SELECT sum(id) FROM {table}"));
        Assert.Equal("line 777 with tab\there", await connection.ScalarAsync<string>($"SELECT name FROM {table} WHERE id = 777"));
        Assert.Equal(1L, await connection.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE name IS NULL"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Copy_from_stdin_with_a_bad_row_fails_with_22P02_and_the_session_stays_usable()
    {
        string table = GatewayFixture.UniqueName("copy_bad_in");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} (id int)");

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using TextWriter writer = await connection.BeginTextImportAsync($"COPY {table} FROM STDIN").Within();
            await writer.WriteAsync("1\n2\nthree\n4\n").Within();
        }).Within();

        Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, error.SqlState);
        Assert.Equal(0L, await connection.ScalarAsync<long>($"SELECT count(*) FROM {table}"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }

    [Fact]
    public async Task Binary_copy_to_stdout_exports_every_row()
    {
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();

        int rows = 0;
        long sum = 0;
        string? last = null;
        await using (NpgsqlBinaryExporter exporter = await connection.BeginBinaryExportAsync(
                         $"COPY (SELECT g, 'row-' || g FROM generate_series(1, {RowCount}) g) TO STDOUT (FORMAT BINARY)").Within())
        {
            while (await exporter.StartRowAsync().Within() != -1)
            {
                sum += await exporter.ReadAsync<int>(NpgsqlDbType.Integer).Within();
                last = await exporter.ReadAsync<string>(NpgsqlDbType.Text).Within();
                rows++;
            }
        }

        Assert.Equal(RowCount, rows);
        Assert.Equal((long)RowCount * (RowCount + 1) / 2, sum);
        Assert.Equal("row-" + RowCount, last);
        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));
    }

    [Fact]
    public async Task Text_copy_to_stdout_exports_every_row()
    {
        string table = GatewayFixture.UniqueName("copy_txt_out");
        await using NpgsqlConnection connection = await _gateway.OpenAsync("hg_test").Within();
        await connection.ExecuteAsync($"CREATE TABLE {table} AS SELECT g AS id, 'v' || g AS name FROM generate_series(1, {RowCount}) g");

        var lines = new List<string>();
        using (TextReader reader = await connection.BeginTextExportAsync($"COPY {table} TO STDOUT").Within())
        {
            while (await reader.ReadLineAsync().Within() is { } line)
            {
                lines.Add(line);
            }
        }

        Assert.Equal(RowCount, lines.Count);
        Assert.Contains("1\tv1", lines);
        Assert.Contains(RowCount + "\tv" + RowCount, lines);
        Assert.Equal((long)RowCount * (RowCount + 1) / 2, lines.Sum(l => long.Parse(l.Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1"));
        await connection.ExecuteAsync($"DROP TABLE {table}");
    }
}
