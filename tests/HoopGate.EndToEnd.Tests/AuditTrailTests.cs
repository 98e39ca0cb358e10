using System.Diagnostics;
using HoopGate.Audit;
using HoopGate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// The audit trail end to end: real clients through a gateway with strict audit into a second PostgreSQL cluster (the
/// store), which tests stop and start while the clients' server runs on.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class AuditTrailTests(GatewayFixture fixture, AuditStoreFixture store) : IClassFixture<AuditStoreFixture>
{
    [Fact]
    public async Task Each_statement_gets_one_record_with_its_rows_sqlstate_and_decision()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within())
        {
            Assert.Equal(3L, await connection.ScalarAsync<long>("SELECT count(*) FROM generate_series(1, 3)").Within());
            await using var parameterised = new NpgsqlCommand("SELECT g FROM generate_series(1, $1) g", connection);
            parameterised.Parameters.AddWithValue(4);
            await using (NpgsqlDataReader reader = await parameterised.ExecuteReaderAsync().Within())
            {
                while (await reader.ReadAsync().Within())
                {
                }
            }

            await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<int>("SELECT 1/0")).Within();
            await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<string>("SELECT pg_read_file('/etc/passwd')")).Within();
        }

        ProcessRunner.Result psql = await ProcessRunner.RunAsync(
            "/usr/bin/psql", ["-X", "-A", "-t", "-c", "SELECT 41 + 1", gateway.Uri("hg_test")], TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { ["PGPASSWORD"] = GatewayInstance.Password }).Within();
        Assert.Equal("42", psql.StandardOutput.Trim());

        Guid instance = await gateway.DrainAuditAsync();
        List<StatementRow> statements = await StatementsAsync(instance, "sql NOT LIKE '%pg_type%' AND sql NOT LIKE '%pg_catalog%'");

        StatementRow count = Assert.Single(statements, s => s.Sql.Contains("count(*)", StringComparison.Ordinal));
        Assert.Equal(("completed", 1L, "allow", "extended"), (count.Outcome, count.Rows, count.Decision, count.Protocol));
        StatementRow series = Assert.Single(statements, s => s.Sql.Contains("generate_series(1, $1)", StringComparison.Ordinal));
        Assert.Equal(("completed", 4L), (series.Outcome, series.Rows));
        StatementRow division = Assert.Single(statements, s => s.Sql.Contains("1/0", StringComparison.Ordinal));
        Assert.Equal(("failed", "22012"), (division.Outcome, division.SqlState));
        StatementRow refused = Assert.Single(statements, s => s.Sql.Contains("pg_read_file", StringComparison.Ordinal));
        Assert.Equal(("refused", "42501", "deny", "forbidden-function"), (refused.Outcome, refused.SqlState, refused.Decision, refused.Rule));
        StatementRow simple = Assert.Single(statements, s => s.Sql == "SELECT 41 + 1");
        Assert.Equal(("simple", "completed", 1L), (simple.Protocol, simple.Outcome, simple.Rows));
        Assert.All(statements, s => Assert.NotNull(s.FinishedAt));

        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        await using var sessions = new NpgsqlCommand(
            "SELECT count(*) FROM hoopgate_audit.sessions WHERE instance_id = $1 AND subject = 'alice' AND database = 'hg_test' AND ended_at IS NOT NULL", audit);
        sessions.Parameters.AddWithValue(instance);
        Assert.Equal(2L, await sessions.ExecuteScalarAsync().Within());
        AuditVerification verification = await AuditVerifier.VerifyAsync(audit, instance: instance).Within();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task Bound_parameters_are_recorded_as_keyed_hashes_that_find_the_value_but_do_not_hold_it()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within())
        {
            await using var command = new NpgsqlCommand("SELECT $1::text AS ssn_lookup, $2::int, $3::text", connection);
            command.Parameters.AddWithValue("123-45-6789");
            command.Parameters.AddWithValue(42);
            command.Parameters.AddWithValue(DBNull.Value);
            await command.ExecuteScalarAsync().Within();
        }

        Guid instance = await gateway.DrainAuditAsync();
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        await using var query = new NpgsqlCommand(
            "SELECT parameters::text FROM hoopgate_audit.statements WHERE sql LIKE '%AS ssn_lookup%' AND session_id IN (SELECT session_id FROM hoopgate_audit.records WHERE instance_id = $1)",
            audit);
        query.Parameters.AddWithValue(instance);
        string parameters = (string)(await query.ExecuteScalarAsync().Within())!;

        AuditParameterHasher hasher = gateway.Services.GetRequiredService<AuditParameterHasher>();
        string ssn = hasher.Record("123-45-6789"u8, binary: false);
        Assert.StartsWith("hmac-sha256:", ssn, StringComparison.Ordinal);
        Assert.Contains(ssn, parameters, StringComparison.Ordinal);
        Assert.DoesNotContain("123-45-6789", parameters, StringComparison.Ordinal);
        Assert.EndsWith("null]", parameters.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipelined_statements_pair_with_their_own_completions()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within())
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT 'first' FROM generate_series(1, 2)"),
                    new NpgsqlBatchCommand("SELECT 'second' FROM generate_series(1, 5)"),
                    new NpgsqlBatchCommand("SELECT 'third' FROM generate_series(1, 3)"),
                },
            };
            await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync().Within();
            do
            {
                while (await reader.ReadAsync().Within())
                {
                }
            }
            while (await reader.NextResultAsync().Within());
        }

        Guid instance = await gateway.DrainAuditAsync();
        List<StatementRow> statements = await StatementsAsync(instance, "sql LIKE 'SELECT ''%'' FROM generate_series%'");
        Assert.Equal(
            [("first", 2L), ("second", 5L), ("third", 3L)],
            statements.OrderBy(s => s.Statement).Select(s => (s.Sql.Split('\'')[1], s.Rows)));
    }

    [Fact]
    public async Task With_the_store_down_the_gateway_keeps_serving_and_catches_up_with_nothing_lost_or_doubled()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within();
        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1").Within());
        await gateway.DrainAuditAsync();

        await store.Cluster.StopAsync().Within();
        try
        {
            for (int i = 0; i < 25; i++)
            {
                Assert.Equal(i, await connection.ScalarAsync<int>("SELECT " + i + " AS while_store_down").Within());
            }
        }
        finally
        {
            await store.Cluster.StartAgainAsync().Within();
        }

        Guid instance = await gateway.DrainAuditAsync();
        List<StatementRow> statements = await StatementsAsync(instance, "sql LIKE '% AS while_store_down'");
        Assert.Equal(25, statements.Count);
        Assert.Equal(25, statements.Select(s => s.Statement).Distinct().Count());
        Assert.All(statements, s => Assert.Equal("completed", s.Outcome));
    }

    [Fact]
    public async Task A_gateway_restarted_with_records_still_spooled_ships_them_and_its_chain_goes_on()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        Guid instance;
        await store.Cluster.StopAsync().Within();
        try
        {
            await using GatewayInstance first = await StartAsync(spool);
            instance = first.Services.GetRequiredService<AuditSpool>().InstanceId;
            await using NpgsqlConnection connection = await first.OpenAsync("hg_test").Within();
            for (int i = 0; i < 10; i++)
            {
                await connection.ScalarAsync<int>("SELECT " + i + " AS before_restart").Within();
            }
        }
        finally
        {
            await store.Cluster.StartAgainAsync().Within();
        }

        await using GatewayInstance second = await StartAsync(spool);
        await using (NpgsqlConnection connection = await second.OpenAsync("hg_test").Within())
        {
            await connection.ScalarAsync<int>("SELECT 1 AS after_restart").Within();
        }

        Assert.Equal(instance, await second.DrainAuditAsync());
        Assert.Equal(10, (await StatementsAsync(instance, "sql LIKE '% AS before_restart'")).Count);
        Assert.Single(await StatementsAsync(instance, "sql LIKE '% AS after_restart'"));
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        AuditVerification verification = await AuditVerifier.VerifyAsync(audit, instance: instance).Within();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task Records_shipped_again_after_a_crash_before_the_checkpoint_moved_are_not_recorded_twice()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        string checkpoint = Path.Combine(spool, "checkpoint");
        Guid instance;
        byte[] earlier;
        await using (GatewayInstance first = await StartAsync(spool))
        {
            await using NpgsqlConnection connection = await first.OpenAsync("hg_test").Within();
            await connection.ScalarAsync<int>("SELECT 1 AS before_the_batch").Within();
            instance = await first.DrainAuditAsync();
            earlier = await File.ReadAllBytesAsync(checkpoint);
            for (int i = 0; i < 5; i++)
            {
                await connection.ScalarAsync<int>("SELECT " + i + " AS shipped_twice").Within();
            }

            await first.DrainAuditAsync();
        }

        // As if the gateway had died between the store's commit and the checkpoint's write: the batch is shipped again.
        await File.WriteAllBytesAsync(checkpoint, earlier);
        await using GatewayInstance second = await StartAsync(spool);
        await using (NpgsqlConnection connection = await second.OpenAsync("hg_test").Within())
        {
            await connection.ScalarAsync<int>("SELECT 1 AS after_the_replay").Within();
        }

        Assert.Equal(instance, await second.DrainAuditAsync());
        List<StatementRow> replayed = await StatementsAsync(instance, "sql LIKE '% AS shipped_twice'");
        Assert.Equal(5, replayed.Count);
        Assert.Equal(5, replayed.Select(s => s.Statement).Distinct().Count());
        Assert.Single(await StatementsAsync(instance, "sql LIKE '% AS after_the_replay'"));
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        AuditVerification verification = await AuditVerifier.VerifyAsync(audit, instance: instance).Within();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task Records_larger_than_a_read_and_spread_over_many_segments_all_reach_the_store_in_small_batches()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        Dictionary<string, string?> settings = store.Settings(spool);
        settings["HoopGate:Audit:ShipBatchSize"] = "3"; // the shipper reads 64 KiB at a time
        settings["HoopGate:Audit:SegmentBytes"] = "16384";
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, settings).Within();
        await using NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within();

        // About 100 KB of SQL that normalising keeps (column aliases), between small statements.
        string wide = "SELECT " + string.Join(", ", Enumerable.Range(0, 1500).Select(i => $"1 AS wide_{i:D4}_{new string('w', 50)}")) + " /* wide */";
        for (int i = 0; i < 20; i++)
        {
            await connection.ScalarAsync<int>(i % 7 == 3 ? wide : "SELECT " + i + " AS small_one").Within();
        }

        Guid instance = await gateway.DrainAuditAsync();
        Assert.Equal(17, (await StatementsAsync(instance, "sql LIKE '% AS small_one'")).Count);
        List<StatementRow> wideRows = await StatementsAsync(instance, "sql LIKE '%wide_1499_%'");
        Assert.Equal(3, wideRows.Count);
        Assert.All(wideRows, row => Assert.True(row.Sql.Length > 90_000, "the wide statement's text was cut"));
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        AuditVerification verification = await AuditVerifier.VerifyAsync(audit, instance: instance).Within();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task Verify_names_the_first_record_that_was_edited_in_the_store()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within())
        {
            await connection.ScalarAsync<string>("SELECT 'who read this?' AS evidence").Within();
        }

        Guid instance = await gateway.DrainAuditAsync();
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        await using var edit = new NpgsqlCommand(
            """
            UPDATE hoopgate_audit.records SET record = replace(record::text, 'who read this?', 'nothing to see')::json
            WHERE instance_id = $1 AND kind = 'statement_start' AND record::text LIKE '%who read this?%'
            RETURNING seq
            """,
            audit);
        edit.Parameters.AddWithValue(instance);
        long edited = (long)(await edit.ExecuteScalarAsync().Within())!;

        AuditVerification verification = await AuditVerifier.VerifyAsync(audit, instance: instance).Within();
        Assert.False(verification.Intact);
        Assert.Equal((instance, edited), (verification.Instance!.Value, verification.Sequence!.Value));
        Assert.Contains("changed", verification.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_logins_are_in_the_trail_without_the_password()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        NpgsqlConnectionStringBuilder builder = gateway.ConnectionString("hg_test");
        builder.Password = "hgsecret-wrong-password";
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync()).Within();
        }

        Guid instance = await gateway.DrainAuditAsync();
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        await using var command = new NpgsqlCommand(
            "SELECT sqlstate, record::text FROM hoopgate_audit.auth_events e JOIN hoopgate_audit.records r USING (instance_id, occurred_at) WHERE instance_id = $1 AND NOT succeeded",
            audit);
        command.Parameters.AddWithValue(instance);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within();
        Assert.True(await reader.ReadAsync().Within());
        Assert.Equal("28P01", reader.GetString(0));
        Assert.DoesNotContain("hgsecret-wrong-password", reader.GetString(1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_spool_cannot_be_written_statements_are_refused_with_53000_until_it_can()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        Dictionary<string, string?> settings = store.Settings(spool);
        settings["HoopGate:Audit:SegmentBytes"] = "4096";
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, settings).Within();
        AuditSpool auditSpool = gateway.Services.GetRequiredService<AuditSpool>();
        await using NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within();

        // Run statements until a segment is full: the next flush opens a new segment, whose name is then known. Make
        // that name a link to /dev/full, so that writing the next record fails with ENOSPC as a full disk would.
        string? blocked = null;
        for (int i = 0; i < 500 && blocked is null; i++)
        {
            await connection.ScalarAsync<int>("SELECT 1").Within();
            Assert.True(await auditSpool.WaitDurableAsync(auditSpool.LastSequence).AsTask().Within());
            if (new FileInfo(AuditSpool.Segments(spool)[^1]).Length >= 4096)
            {
                blocked = Path.Combine(spool, AuditSpool.SegmentName(auditSpool.LastSequence + 1));
                File.CreateSymbolicLink(blocked, "/dev/full");
            }
        }

        Assert.NotNull(blocked);
        try
        {
            // The statement whose start record cannot be made durable never runs: its session ends.
            PostgresException lost = await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<int>("SELECT 2 AS never_ran")).Within();
            Assert.Equal(("53000", "FATAL"), (lost.SqlState, lost.Severity));

            // Later statements are refused one by one, and their sessions go on.
            await using NpgsqlConnection second = await gateway.OpenAsync("hg_test").Within();
            PostgresException refused = await Assert.ThrowsAsync<PostgresException>(() => second.ScalarAsync<int>("SELECT 3")).Within();
            Assert.Equal(("53000", "ERROR"), (refused.SqlState, refused.Severity));
            Assert.False(auditSpool.IsHealthy);
        }
        finally
        {
            File.Delete(blocked);
        }

        var clock = Stopwatch.StartNew();
        while (!auditSpool.IsHealthy)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the spool did not recover within 15 s of becoming writable");
            await Task.Delay(100);
        }

        await using (NpgsqlConnection third = await gateway.OpenAsync("hg_test").Within())
        {
            Assert.Equal(4, await third.ScalarAsync<int>("SELECT 4 AS after_recovery").Within());
        }

        Guid instance = await gateway.DrainAuditAsync();
        Assert.Empty(await StatementsAsync(instance, "sql LIKE '% AS never_ran' AND outcome = 'completed'"));
        Assert.Single(await StatementsAsync(instance, "sql LIKE '% AS after_recovery' AND outcome = 'completed'"));
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        AuditVerification verification = await AuditVerifier.VerifyAsync(audit, instance: instance).Within();
        Assert.True(verification.Intact, verification.Problem);
    }

    [Fact]
    public async Task Prune_drops_only_whole_months_older_than_the_retention_and_reports_each()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within())
        {
            await connection.ScalarAsync<int>("SELECT 1 AS recent").Within();
        }

        Guid instance = await gateway.DrainAuditAsync();
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        await using (var old = new NpgsqlCommand(
            """
            SELECT hoopgate_audit.ensure_partition('2019-03-15');
            INSERT INTO hoopgate_audit.records VALUES
              (gen_random_uuid(), 1, '2019-03-15 10:00+00', 'auth_failure', NULL, '{}', '\x00', '\x00'),
              (gen_random_uuid(), 2, '2019-03-31 23:59:59+00', 'auth_failure', NULL, '{}', '\x00', '\x00');
            """,
            audit))
        {
            await old.ExecuteNonQueryAsync().Within();
        }

        IReadOnlyList<PrunedPartition> dry = await AuditRetention.PruneAsync(audit, new DateTimeOffset(2019, 4, 1, 0, 0, 0, TimeSpan.Zero), dryRun: true).Within();
        Assert.Equal(("records_2019_03", 2L), (Assert.Single(dry).Name, dry[0].Records));
        Assert.Equal(2L, await CountAsync(audit, "occurred_at < '2019-04-01'"));

        // A cutoff inside April 2019 keeps nothing of March 2019 and drops nothing newer.
        IReadOnlyList<PrunedPartition> pruned = await AuditRetention.PruneAsync(audit, new DateTimeOffset(2019, 4, 20, 0, 0, 0, TimeSpan.Zero), dryRun: false).Within();
        Assert.Equal("records_2019_03", Assert.Single(pruned).Name);
        Assert.Equal(0L, await CountAsync(audit, "occurred_at < '2019-04-01'"));
        Assert.Single(await StatementsAsync(instance, "sql LIKE '% AS recent'"));
    }

    [Fact]
    public async Task A_gateway_killed_mid_load_loses_no_record_of_a_statement_that_ran_and_doubles_none()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        string table = GatewayFixture.UniqueName("killed");
        await fixture.Cluster.ExecuteAsync($"CREATE TABLE {table} (id int PRIMARY KEY); GRANT ALL ON {table} TO hg_app", "hg_test").Within();
        int port = PostgresCluster.FreePort();
        string config = WriteExecutableConfig(spool, port);

        using (Process first = StartExecutable(config))
        {
            await WaitForPortAsync(port);
            using var stop = new CancellationTokenSource();
            Task[] clients = Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
            {
                try
                {
                    await using var connection = new NpgsqlConnection(ExecutableConnectionString(port));
                    await connection.OpenAsync();
                    for (int i = 0; !stop.IsCancellationRequested; i++)
                    {
                        await using var insert = new NpgsqlCommand($"INSERT INTO {table} VALUES ({(client * 1_000_000) + i})", connection);
                        await insert.ExecuteNonQueryAsync();
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
                {
                    // The gateway was killed under this client.
                }
            })).ToArray();

            await Task.Delay(TimeSpan.FromSeconds(1.5));
            first.Kill(entireProcessTree: false); // SIGKILL: no flush, no goodbye
            await first.WaitForExitAsync().Within();
            await stop.CancelAsync();
            await Task.WhenAll(clients).Within();
        }

        long ran = await ServerCountAsync(table);
        Assert.True(ran > 10, "the load did not run before the kill (" + ran + " rows)");

        // The restarted gateway finds the spool, continues its chain and ships what was not shipped.
        using Process second = StartExecutable(config);
        try
        {
            await WaitForPortAsync(port);
            await using NpgsqlConnection audit = await store.OpenAsync().Within();
            var clock = Stopwatch.StartNew();
            long recorded;
            while ((recorded = await RecordedInsertsAsync(audit, table)) < ran)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{ran} inserts ran but only {recorded} are in the store after 30 s");
                await Task.Delay(200);
            }

            // Every row has the start record of the statement that made it, and no statement is recorded twice.
            await using var doubled = new NpgsqlCommand(
                $"SELECT count(*) FROM (SELECT sql FROM hoopgate_audit.statements WHERE sql LIKE 'INSERT INTO {table} VALUES (%' GROUP BY sql HAVING count(*) > 1) d",
                audit);
            Assert.Equal(0L, await doubled.ExecuteScalarAsync().Within());
            HashSet<string> recordedSql = await RecordedInsertSqlAsync(audit, table);
            foreach (long id in await ServerIdsAsync(table))
            {
                Assert.Contains($"INSERT INTO {table} VALUES ({id})", recordedSql);
            }

            Guid instance = Guid.Parse(File.ReadAllText(Path.Combine(spool, "instance")).Trim());
            AuditVerification verification = await AuditVerifier.VerifyAsync(audit, instance: instance).Within();
            Assert.True(verification.Intact, verification.Problem);
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync().Within();
        }
    }

    private string WriteExecutableConfig(string spool, int port)
    {
        string path = Path.Combine(Path.GetTempPath(), "hoopgate-kill-" + Guid.NewGuid().ToString("N") + ".json");
        var settings = new Dictionary<string, object>
        {
            ["HoopGate"] = new Dictionary<string, object>
            {
                ["Gateway"] = new { ListenAddress = "127.0.0.1", Port = port, Tls = new { Required = false } },
                ["Upstream"] = new { Host = "127.0.0.1", Port = fixture.Cluster.Port, User = "hg_app", SslMode = "Disable" },
                ["Authentication"] = new { Mode = "Static", Insecure = true, StaticUsers = new[] { new { Name = GatewayInstance.User, Password = GatewayInstance.Password } } },
                ["Policy"] = new { Path = TestPolicy.PermissivePath },
                ["Audit"] = new { Mode = "Strict", ConnectionString = store.ConnectionString, SpoolDirectory = spool, MigrateOnStart = true, ShipIntervalMilliseconds = 50, ParameterKey = AuditStoreFixture.ParameterKey },
                ["Logging"] = new { Level = "Warning" },
            },
        };
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(settings));
        return path;
    }

    private static Process StartExecutable(string config)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "hoopgate"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("run");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        start.Environment["HoopGate__Upstream__Password"] = PostgresCluster.RolePassword;
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string ExecutableConnectionString(int port) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = GatewayInstance.User,
        Password = GatewayInstance.Password,
        Database = "hg_test",
        SslMode = SslMode.Disable,
        Pooling = false,
        Timeout = 10,
    }.ConnectionString;

    private static async Task WaitForPortAsync(int port)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ExecutableConnectionString(port));
                await connection.OpenAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
        }
    }

    private async Task<long> ServerCountAsync(string table) => (await ServerIdsAsync(table)).Count;

    private async Task<List<long>> ServerIdsAsync(string table)
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_test" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        await using var command = new NpgsqlCommand($"SELECT id FROM {table}", connection);
        var ids = new List<long>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within();
        while (await reader.ReadAsync().Within())
        {
            ids.Add(reader.GetInt32(0));
        }

        return ids;
    }

    private static async Task<long> RecordedInsertsAsync(NpgsqlConnection audit, string table)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT count(*) FROM hoopgate_audit.records WHERE kind = 'statement_start' AND record::text LIKE '%INSERT INTO {table} VALUES (%'", audit);
        return (long)(await command.ExecuteScalarAsync().Within())!;
    }

    private static async Task<HashSet<string>> RecordedInsertSqlAsync(NpgsqlConnection audit, string table)
    {
        await using var command = new NpgsqlCommand($"SELECT sql FROM hoopgate_audit.statements WHERE sql LIKE 'INSERT INTO {table} VALUES (%'", audit);
        var sql = new HashSet<string>(StringComparer.Ordinal);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within();
        while (await reader.ReadAsync().Within())
        {
            sql.Add(reader.GetString(0));
        }

        return sql;
    }

    [Fact]
    public async Task The_audit_commands_export_query_and_verify_the_store()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        string marker = GatewayFixture.UniqueName("exported");
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (NpgsqlConnection connection = await gateway.OpenAsync("hg_test").Within())
        {
            await connection.ScalarAsync<int>($"SELECT 1 AS {marker}").Within();

            // Not SQL, so refused — but recorded, and a spreadsheet must not run it as a formula.
            await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("=HYPERLINK(\"http://evil.example\")")).Within();
        }

        await gateway.DrainAuditAsync();
        string config = Path.Combine(Path.GetTempPath(), "hoopgate-cli-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(config, System.Text.Json.JsonSerializer.Serialize(new { HoopGate = new { Audit = new { ConnectionString = store.ConnectionString, SpoolDirectory = spool, ParameterKey = AuditStoreFixture.ParameterKey } } }));
        string from = DateTimeOffset.UtcNow.AddHours(-1).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        string to = DateTimeOffset.UtcNow.AddHours(1).ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        string hoopgate = Path.Combine(AppContext.BaseDirectory, "hoopgate");

        string jsonl = config + ".jsonl";
        ProcessRunner.Result export = await ProcessRunner.RunAsync(
            hoopgate, ["audit", "export", "--config", config, "--from", from, "--to", to, "--format", "jsonl", "--output", jsonl], TimeSpan.FromSeconds(60)).Within();
        Assert.True(export.ExitCode == 0, export.Combined);
        string[] lines = File.ReadAllLines(jsonl);
        Assert.Contains(lines, l => l.Contains("\"type\": \"statement\"", StringComparison.Ordinal) && l.Contains(marker, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"type\": \"session\"", StringComparison.Ordinal));
        Assert.StartsWith("{\"type\":\"verification\"", lines[^1], StringComparison.Ordinal);

        string csv = config + ".csv";
        export = await ProcessRunner.RunAsync(
            hoopgate, ["audit", "export", "--config", config, "--from", from, "--to", to, "--format", "csv", "--output", csv], TimeSpan.FromSeconds(60)).Within();
        Assert.True(export.ExitCode == 0, export.Combined);
        string[] rows = File.ReadAllLines(csv);
        Assert.StartsWith("# hoopgate audit export", rows[0], StringComparison.Ordinal);
        Assert.Contains("chain verification:", rows[0], StringComparison.Ordinal);
        Assert.Contains(rows, r => r.Contains(marker, StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains(",\"'=HYPERLINK(", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains(",=HYPERLINK(", StringComparison.Ordinal) || r.Contains(",\"=HYPERLINK(", StringComparison.Ordinal));

        ProcessRunner.Result query = await ProcessRunner.RunAsync(
            hoopgate, ["audit", "query", "--config", config, "--subject", GatewayInstance.User, "--limit", "50"], TimeSpan.FromSeconds(60)).Within();
        Assert.True(query.ExitCode == 0, query.Combined);
        Assert.StartsWith("started_at\tsubject", query.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(marker, query.StandardOutput, StringComparison.Ordinal);

        ProcessRunner.Result verify = await ProcessRunner.RunAsync(
            hoopgate, ["audit", "verify", "--config", config, "--instance", gateway.Services.GetRequiredService<AuditSpool>().InstanceId.ToString()], TimeSpan.FromSeconds(60)).Within();
        Assert.True(verify.ExitCode == 0, verify.Combined);
        Assert.StartsWith("intact: ", verify.StandardOutput, StringComparison.Ordinal);
    }

    private static async Task<long> CountAsync(NpgsqlConnection audit, string where)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM hoopgate_audit.records WHERE " + where, audit);
        return (long)(await command.ExecuteScalarAsync().Within())!;
    }

    private async Task<GatewayInstance> StartAsync(string spoolDirectory) =>
        await GatewayInstance.StartAsync(fixture.Cluster, store.Settings(spoolDirectory)).Within();


    private async Task<List<StatementRow>> StatementsAsync(Guid instance, string where)
    {
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT s.statement, s.sql, s.protocol, s.decision, s.rule, s.outcome, coalesce(s.rows, 0), s.sqlstate, s.finished_at
            FROM hoopgate_audit.statements s
            WHERE s.session_id IN (SELECT session_id FROM hoopgate_audit.records WHERE instance_id = $1) AND ({where})
            """,
            audit);
        command.Parameters.AddWithValue(instance);
        var rows = new List<StatementRow>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within();
        while (await reader.ReadAsync().Within())
        {
            rows.Add(new StatementRow(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetDateTime(8)));
        }

        return rows;
    }

    [Fact]
    public async Task Rows_sent_by_executes_that_stop_at_their_row_limit_are_all_counted()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (RawClient client = await RawClient.ConnectAsync(gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password, "hg_test"))
        {
            Assert.Empty((await client.QueryAsync("BEGIN").Within()).Errors);
            await client.SendAsync(w =>
            {
                new HoopGate.Protocol.Frontend.Parse("", "SELECT g FROM generate_series(1, 5) g", []).WriteTo(w);
                new HoopGate.Protocol.Frontend.Bind("chunks", "", [], [], []).WriteTo(w);
                for (int i = 0; i < 3; i++)
                {
                    new HoopGate.Protocol.Frontend.Execute("chunks", 2).WriteTo(w);
                }

                HoopGate.Protocol.Frontend.Sync.Write(w);
            }).Within();
            RawClient.QueryResult chunks = await client.ReadResultAsync().Within();
            Assert.Empty(chunks.Errors);
            Assert.Equal(5, chunks.Rows.Count);
            Assert.Empty((await client.QueryAsync("COMMIT").Within()).Errors);
        }

        Guid instance = await gateway.DrainAuditAsync();
        List<StatementRow> statements = await StatementsAsync(instance, "sql NOT LIKE '%pg_type%' AND sql NOT LIKE '%pg_catalog%' AND sql NOT IN ('BEGIN', 'COMMIT')");

        // Two Executes stopped at 2 rows (PortalSuspended, no command tag) and one finished with the last row: 5 in all.
        Assert.Equal(3, statements.Count);
        Assert.Equal([2L, 2L, 1L], statements.OrderBy(s => s.Statement).Select(s => s.Rows));
    }

    [Fact]
    public async Task An_EXECUTE_of_a_statement_parsed_under_a_name_records_the_text_that_ran()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (RawClient client = await RawClient.ConnectAsync(gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password, "hg_test"))
        {
            await client.SendAsync(w =>
            {
                new HoopGate.Protocol.Frontend.Parse("named_by_protocol", "SELECT 'ran through the name' AS what,\n  $1::int AS n", []).WriteTo(w);
                HoopGate.Protocol.Frontend.Sync.Write(w);
            }).Within();
            Assert.Empty((await client.ReadResultAsync().Within()).Errors);
            RawClient.QueryResult executed = await client.QueryAsync("EXECUTE named_by_protocol(7)").Within();
            Assert.Empty(executed.Errors);

            // The same through the extended protocol: an unnamed statement that executes the named one.
            await client.SendAsync(w =>
            {
                new HoopGate.Protocol.Frontend.Parse("", "EXECUTE named_by_protocol(8)", []).WriteTo(w);
                new HoopGate.Protocol.Frontend.Bind("", "", [], [], []).WriteTo(w);
                new HoopGate.Protocol.Frontend.Execute("", 0).WriteTo(w);
                HoopGate.Protocol.Frontend.Sync.Write(w);
            }).Within();
            Assert.Empty((await client.ReadResultAsync().Within()).Errors);
            // Its columns' origin is not followed through a SQL-level EXECUTE of a protocol-level name: masked, fail closed.
            Assert.Equal(2, Assert.Single(executed.Rows).Length);
        }

        Guid instance = await gateway.DrainAuditAsync();
        StatementRow row = Assert.Single(await StatementsAsync(instance, "sql = 'EXECUTE named_by_protocol(7)'"));
        Assert.Equal("completed", row.Outcome);
        Assert.Equal(
            "[{\"sql\": \"SELECT 'ran through the name' AS what,\\n  $1::int AS n\", \"name\": \"named_by_protocol\"}]",
            await ExecutesFieldAsync(instance, "EXECUTE named_by_protocol(7)"));
        Assert.Equal(
            "[{\"sql\": \"SELECT 'ran through the name' AS what,\\n  $1::int AS n\", \"name\": \"named_by_protocol\"}]",
            await ExecutesFieldAsync(instance, "EXECUTE named_by_protocol(8)"));
    }

    [Fact]
    public async Task An_EXECUTE_of_a_name_whose_Parse_the_server_refused_records_no_text_the_name_does_not_hold()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (RawClient client = await RawClient.ConnectAsync(gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password, "hg_test"))
        {
            Assert.Empty((await client.QueryAsync("PREPARE held_by_sql AS SELECT 'the real one'").Within()).Errors);
            await client.SendAsync(w =>
            {
                new HoopGate.Protocol.Frontend.Parse("held_by_sql", "SELECT 'a decoy'", []).WriteTo(w);
                HoopGate.Protocol.Frontend.Sync.Write(w);
            }).Within();
            Assert.Equal("42P05", Assert.Single((await client.ReadResultAsync().Within()).Errors).SqlState);
            Assert.Empty((await client.QueryAsync("EXECUTE held_by_sql").Within()).Errors);
        }

        Guid instance = await gateway.DrainAuditAsync();
        Assert.Single(await StatementsAsync(instance, "sql = 'EXECUTE held_by_sql'"));
        Assert.Null(await ExecutesFieldAsync(instance, "EXECUTE held_by_sql"));
    }

    [Fact]
    public async Task A_statement_still_running_when_its_client_leaves_gets_an_interrupted_finish_record()
    {
        string spool = AuditStoreFixture.NewSpoolDirectory();
        await using GatewayInstance gateway = await StartAsync(spool);
        await using (RawClient client = await RawClient.ConnectAsync(gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password, "hg_test"))
        {
            await client.SendQueryAsync("SELECT pg_sleep(0.5) AS left_behind").Within();
            await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, client.KeyData.ProcessId, "left_behind");
        }

        // The session's end (and with it the finish record) comes once the gateway has seen the client go.
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (gateway.Listener.SessionCount != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the session never ended");
            await Task.Delay(20).Within();
        }

        Guid instance = await gateway.DrainAuditAsync();
        StatementRow row = Assert.Single(await StatementsAsync(instance, "sql LIKE '%left_behind%'"));
        Assert.Equal("interrupted", row.Outcome);
        Assert.NotNull(row.FinishedAt);
    }

    /// <summary>The <c>executes</c> column of the statements view for the one statement with this SQL, as JSON text (null when absent).</summary>
    private async Task<string?> ExecutesFieldAsync(Guid instance, string sql)
    {
        await using NpgsqlConnection audit = await store.OpenAsync().Within();
        await using var command = new NpgsqlCommand(
            "SELECT s.executes::text FROM hoopgate_audit.statements s WHERE s.session_id IN (SELECT session_id FROM hoopgate_audit.records WHERE instance_id = $1) AND s.sql = $2",
            audit);
        command.Parameters.AddWithValue(instance);
        command.Parameters.AddWithValue(sql);
        object? value = await command.ExecuteScalarAsync().Within();
        return value is string text ? text : null;
    }

    private sealed record StatementRow(
        long Statement, string Sql, string Protocol, string Decision, string? Rule, string? Outcome, long Rows, string? SqlState, DateTime? FinishedAt);
}
