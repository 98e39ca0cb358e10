using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Frontend;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Server sessions kept between clients (HoopGate:Upstream:ReuseSessions): a clean goodbye leaves the backend, reset
/// with DISCARD ALL, to the same caller's next session with the same settings — and to nobody else, and never with
/// anything of the last session left in it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ServerSessionReuseTests(GatewayFixture fixture)
{
    private const string OtherUser = "bob";
    private const string OtherPassword = "hgsecret-bob-password";

    [Fact]
    public async Task The_callers_next_session_gets_the_kept_server_session_with_nothing_of_the_last_one_left()
    {
        string application = GatewayFixture.UniqueName("reuse");
        int pid;
        await using (NpgsqlConnection first = await OpenAsync(fixture.Gateway, application))
        {
            pid = first.ProcessID;
            await first.ExecuteAsync("CREATE TEMP TABLE left_behind (id int)");
            await first.ExecuteAsync("SET statement_timeout = '4321s'");
            await first.ExecuteAsync("SET DateStyle = 'German, DMY'");
            await first.ExecuteAsync("PREPARE left_prepared AS SELECT 1");
            await first.ExecuteAsync("SELECT pg_advisory_lock(424242)");
            await first.ExecuteAsync("LISTEN left_channel");
            await first.ExecuteAsync("DECLARE left_cursor CURSOR WITH HOLD FOR SELECT 1");
        }

        await WaitUntilKeptAsync(pid);
        await using NpgsqlConnection second = await OpenAsync(fixture.Gateway, application);

        Assert.Equal(pid, second.ProcessID);
        Assert.Equal(pid, await second.ScalarAsync<int>("SELECT pg_backend_pid()"));
        Assert.True(await second.ScalarAsync<bool>("SELECT to_regclass('pg_temp.left_behind') IS NULL"));
        Assert.Equal("0", await second.ScalarAsync<string>("SHOW statement_timeout"));
        Assert.Equal(0L, await second.ScalarAsync<long>("SELECT count(*) FROM pg_prepared_statements"));
        Assert.Equal(0L, await second.ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"));
        Assert.Equal(0L, await second.ScalarAsync<long>("SELECT count(*) FROM pg_listening_channels()"));
        Assert.Equal(0L, await second.ScalarAsync<long>("SELECT count(*) FROM pg_cursors WHERE name = 'left_cursor'"));

        // The greeting told the client the settings the server session has now, not those the last client left.
        Assert.Equal("ISO, MDY", second.PostgresParameters["DateStyle"]);
        Assert.Equal("ISO, MDY", await second.ScalarAsync<string>("SHOW DateStyle"));
        Assert.Equal(
            GatewayInstance.User + " " + application,
            await second.ScalarAsync<string>("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"));
    }

    [Fact]
    public async Task Another_caller_never_gets_a_server_session_kept_for_someone_else()
    {
        await using GatewayInstance gateway = await StartTwoUserGatewayAsync(new Dictionary<string, string?>());
        string application = GatewayFixture.UniqueName("reuse_other");
        int alicePid;
        await using (NpgsqlConnection alice = await OpenAsync(gateway, application))
        {
            alicePid = alice.ProcessID;
        }

        await WaitUntilKeptAsync(alicePid);
        NpgsqlConnectionStringBuilder builder = gateway.ConnectionString();
        builder.Username = OtherUser;
        builder.Password = OtherPassword;
        builder.ApplicationName = application;
        await using (var bob = new NpgsqlConnection(builder.ConnectionString))
        {
            await bob.OpenAsync().Within();
            Assert.NotEqual(alicePid, bob.ProcessID);
        }

        // Still kept for alice.
        await using NpgsqlConnection again = await OpenAsync(gateway, application);
        Assert.Equal(alicePid, again.ProcessID);
    }

    [Fact]
    public async Task A_client_that_leaves_inside_a_transaction_has_its_work_rolled_back_and_its_server_session_ended()
    {
        string table = GatewayFixture.UniqueName("reuse_tx");
        string application = GatewayFixture.UniqueName("reuse_tx");
        await fixture.Cluster.ExecuteAsync("CREATE TABLE public." + table + " (id int); GRANT ALL ON public." + table + " TO hg_app");
        int pid;
        await using (NpgsqlConnection first = await OpenAsync(fixture.Gateway, application))
        {
            pid = first.ProcessID;
            await first.ExecuteAsync("BEGIN");
            await first.ExecuteAsync("INSERT INTO public." + table + " VALUES (1)");
        }

        await WaitUntilGoneAsync(pid);
        Assert.Equal(0L, await SuperuserScalarAsync<long>("SELECT count(*) FROM public." + table));
        await using NpgsqlConnection second = await OpenAsync(fixture.Gateway, application);
        Assert.NotEqual(pid, second.ProcessID);
    }

    [Fact]
    public async Task An_extended_batch_left_without_its_Sync_is_not_committed_by_the_reset()
    {
        string table = GatewayFixture.UniqueName("reuse_unsynced");
        await fixture.Cluster.ExecuteAsync("CREATE TABLE public." + table + " (id int); GRANT ALL ON public." + table + " TO hg_app");
        int pid;
        await using (RawClient client = await RawClient.ConnectAsync(fixture.Gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password))
        {
            pid = client.KeyData.ProcessId;

            // Executed and answered (Flush), but never synced: the server holds it in an open implicit transaction, which
            // a DISCARD ALL would commit if the server ran it (the gateway does not send one; PostgreSQL 14 and later
            // would also refuse it inside a pipeline).
            await client.SendAsync(w =>
            {
                new Parse("", "INSERT INTO public." + table + " VALUES (1)", []).WriteTo(w);
                new Bind("", "", [], [], []).WriteTo(w);
                new Execute("", 0).WriteTo(w);
                Flush.Write(w);
            });
            List<BackendMessageCode> answered = await client.ReadUntilAsync(BackendMessageCode.CommandComplete).Within();
            Assert.Equal([BackendMessageCode.ParseComplete, BackendMessageCode.BindComplete, BackendMessageCode.CommandComplete], answered);
        }

        await WaitUntilGoneAsync(pid);
        Assert.Equal(0L, await SuperuserScalarAsync<long>("SELECT count(*) FROM public." + table));
    }

    [Theory]
    [InlineData("SELECT setseed(0.5)")]
    [InlineData("DO $$ BEGIN PERFORM 1; END $$")]
    public async Task A_session_that_ran_something_DISCARD_ALL_does_not_undo_ends_its_server_session(string sql)
    {
        string application = GatewayFixture.UniqueName("reuse_lingering");
        int pid;
        await using (NpgsqlConnection first = await OpenAsync(fixture.Gateway, application))
        {
            pid = first.ProcessID;
            await first.ExecuteAsync(sql);
        }

        await WaitUntilGoneAsync(pid);
        await using NpgsqlConnection second = await OpenAsync(fixture.Gateway, application);
        Assert.NotEqual(pid, second.ProcessID);
    }

    [Fact]
    public async Task A_kept_server_session_the_server_ended_is_replaced_by_a_new_one()
    {
        string application = GatewayFixture.UniqueName("reuse_killed");
        int pid;
        await using (NpgsqlConnection first = await OpenAsync(fixture.Gateway, application))
        {
            pid = first.ProcessID;
        }

        await WaitUntilKeptAsync(pid);
        Assert.True(await SuperuserScalarAsync<bool>("SELECT pg_terminate_backend(" + pid + ")"));
        await WaitUntilGoneAsync(pid);

        await using NpgsqlConnection second = await OpenAsync(fixture.Gateway, application);
        Assert.NotEqual(pid, second.ProcessID);
        Assert.Equal(1, await second.ScalarAsync<int>("SELECT 1"));
    }

    [Fact]
    public async Task The_last_clients_cancel_key_does_not_reach_the_next_clients_statement()
    {
        int pid;
        BackendKeyData oldKey;
        await using (RawClient first = await RawClient.ConnectAsync(fixture.Gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password))
        {
            pid = first.KeyData.ProcessId;
            oldKey = first.KeyData;
        }

        await WaitUntilKeptAsync(pid);
        await using RawClient second = await RawClient.ConnectAsync(fixture.Gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password);
        Assert.Equal(pid, second.KeyData.ProcessId);
        Assert.NotEqual(oldKey.SecretKey, second.KeyData.SecretKey);

        await second.SendQueryAsync("SELECT pg_sleep(1.5)");
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, pid, "pg_sleep(1.5)");
        await RawClient.SendCancelAsync(fixture.Gateway.EndPoint, oldKey).Within();
        RawClient.QueryResult result = await second.ReadResultAsync().Within();
        Assert.Empty(result.Errors);
        Assert.Equal(["SELECT 1"], result.CommandTags);
    }

    [Fact]
    public async Task A_kept_server_session_over_tls_serves_the_next_session_over_tls()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:SslMode"] = "VerifyFull",
            ["HoopGate:Upstream:RootCertificatePath"] = fixture.Cluster.Certificates.CaCertificatePath,
        }).Within();
        int pid;
        await using (NpgsqlConnection first = await gateway.OpenAsync().Within())
        {
            pid = first.ProcessID;
            await first.ExecuteAsync("SET search_path = pg_catalog");
        }

        await WaitUntilKeptAsync(pid);
        await using NpgsqlConnection second = await gateway.OpenAsync().Within();
        Assert.Equal(pid, second.ProcessID);
        Assert.True(await second.ScalarAsync<bool>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
        Assert.Equal("\"$user\", public", await second.ScalarAsync<string>("SHOW search_path"));
    }

    [Theory]
    [InlineData("ReuseSessions", "false", 0)]
    [InlineData("IdleSessionTimeoutSeconds", "1", 0)]
    [InlineData("MaxServerSessionLifetimeSeconds", "0.5", 1)]
    public async Task Server_sessions_are_not_kept_with_reuse_off_past_the_idle_timeout_or_past_their_lifetime(string setting, string value, int secondsOpen)
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:" + setting] = value,
        }).Within();
        int pid;
        await using (NpgsqlConnection first = await gateway.OpenAsync().Within())
        {
            pid = first.ProcessID;
            await Task.Delay(TimeSpan.FromSeconds(secondsOpen)).Within();
        }

        await WaitUntilGoneAsync(pid);
        await using NpgsqlConnection second = await gateway.OpenAsync().Within();
        Assert.NotEqual(pid, second.ProcessID);
    }

    private static async Task<NpgsqlConnection> OpenAsync(GatewayInstance gateway, string application)
    {
        NpgsqlConnectionStringBuilder builder = gateway.ConnectionString();
        builder.ApplicationName = application;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return connection;
    }

    private Task<GatewayInstance> StartTwoUserGatewayAsync(Dictionary<string, string?> overrides)
    {
        overrides["HoopGate:Authentication:StaticUsers:1:Name"] = OtherUser;
        overrides["HoopGate:Authentication:StaticUsers:1:Password"] = OtherPassword;
        return GatewayInstance.StartAsync(fixture.Cluster, overrides).Within();
    }

    /// <summary>Waits (bounded) until backend <paramref name="pid"/> sits idle after the gateway's DISCARD ALL.</summary>
    private async Task WaitUntilKeptAsync(int pid)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await SuperuserScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid + " AND " + GatewayInstance.KeptBackendCondition) != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "backend " + pid + " was never kept (reset with DISCARD ALL)");
            await Task.Delay(20).Within();
        }
    }

    /// <summary>Waits (bounded) until backend <paramref name="pid"/> has exited.</summary>
    private async Task WaitUntilGoneAsync(int pid)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await SuperuserScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "backend " + pid + " is still there");
            await Task.Delay(50).Within();
        }
    }

    private async Task<T> SuperuserScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.Cluster.SuperuserConnectionString);
        await connection.OpenAsync().Within();
        return await connection.ScalarAsync<T>(sql);
    }
}
