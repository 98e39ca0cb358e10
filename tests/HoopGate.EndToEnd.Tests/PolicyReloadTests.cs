using System.Diagnostics;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>A new policy reaches open sessions at their next statement; a broken one never does.</summary>
[Collection(GatewayCollection.Name)]
public sealed class PolicyReloadTests(GatewayFixture fixture)
{
    private const string CatalogOnly = """
        version: 1
        everyone:
          statements: [select]
          read: [pg_catalog.*]
        """;

    private const string PublicReadable = """
        version: 1
        everyone:
          statements: [select]
          read: [pg_catalog.*, public.*]
        """;

    [Fact]
    public async Task Editing_the_file_changes_what_an_open_session_may_do_without_dropping_it()
    {
        string path = TestPolicy.Write(PublicReadable);
        await using GatewayInstance gateway = await StartAsync(path, watch: true);
        await using NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within();
        string query = "SELECT count(*) FROM " + await CreateTableAsync();
        Assert.Equal(0L, await connection.ScalarAsync<long>(query).Within());

        TestPolicy.Replace(path, CatalogOnly);
        PostgresException denied = await UntilDeniedAsync(connection, query);
        Assert.Contains("may not read public.", denied.MessageText, StringComparison.Ordinal);

        TestPolicy.Replace(path, PublicReadable);
        await UntilAllowedAsync(connection, query);
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }

    [Fact]
    public async Task A_broken_file_is_refused_and_the_previous_policy_stays_in_force()
    {
        string path = TestPolicy.Write(CatalogOnly);
        await using GatewayInstance gateway = await StartAsync(path, watch: true);
        await using NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within();
        string query = "SELECT count(*) FROM " + await CreateTableAsync();
        await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<long>(query)).Within();

        // A typo that would grant everything if the loader guessed: the whole file is refused instead.
        TestPolicy.Replace(path, PublicReadable.Replace("statements", "statments", StringComparison.Ordinal));
        Assert.False(gateway.Policy.Reload());
        PostgresException stillDenied = await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<long>(query)).Within();
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, stillDenied.SqlState);
    }

    [Fact]
    public async Task SIGHUP_reloads_the_policy()
    {
        string path = TestPolicy.Write(CatalogOnly);
        await using GatewayInstance gateway = await StartAsync(path, watch: false);
        await using NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within();
        string query = "SELECT count(*) FROM " + await CreateTableAsync();
        await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<long>(query)).Within();

        TestPolicy.Replace(path, PublicReadable);
        ProcessRunner.Result kill = await ProcessRunner.RunAsync(
            "/bin/kill", ["-HUP", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10)).Within();
        Assert.Equal(0, kill.ExitCode);
        await UntilAllowedAsync(connection, query);
    }

    private Task<GatewayInstance> StartAsync(string path, bool watch) =>
        GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Policy:Path"] = path,
            ["HoopGate:Policy:WatchFile"] = watch ? "true" : "false",
            ["HoopGate:Policy:ReloadDelayMilliseconds"] = "50",
        }).Within();

    private async Task<string> CreateTableAsync()
    {
        string table = GatewayFixture.UniqueName("reload");
        await fixture.Cluster.ExecuteAsync($"CREATE TABLE {table} (id int); GRANT SELECT ON {table} TO hg_app", "hg_test").Within();
        return table;
    }

    private static async Task<PostgresException> UntilDeniedAsync(NpgsqlConnection connection, string query)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await connection.ScalarAsync<long>(query).Within();
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                return ex;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the new policy did not reach the session within 15 s");
            await Task.Delay(50);
        }
    }

    private static async Task UntilAllowedAsync(NpgsqlConnection connection, string query)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await connection.ScalarAsync<long>(query).Within();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the new policy did not reach the session within 15 s");
                await Task.Delay(50);
            }
        }
    }
}
