using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Policy on the wire: real clients (Npgsql on the extended protocol, psql on the simple one) through a gateway whose
/// policy lets analysts read and writers write, against a real server.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class PolicyEnforcementTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Analyst = "ann";
    private const string Writer = "wendy";
    private const string Password = "hgsecret-policy-password";

    private const string Policy = """
        version: 1
        everyone:
          statements: [select, show, set, transaction, utility]
          read: [pg_catalog.*, information_schema.*]
        groups:
          analysts:
            read: [public.*]
          writers:
            statements: [insert, update, delete, ddl, copy]
            read: [public.*]
            write: [public.*]
        guardrails:
          - name: unbounded-write
            action: deny
            reason: UPDATE and DELETE need a WHERE clause that names a column
            unboundedWrite: true
          - name: destructive-ddl
            action: review
            reason: dropping objects needs a second person's approval
            commands: ["DROP *", TRUNCATE]
            review: { mode: retry }
        """;

    private GatewayInstance _gateway = null!;
    private string _table = null!;

    public async Task InitializeAsync()
    {
        _table = GatewayFixture.UniqueName("policy");
        await fixture.Cluster.ExecuteAsync($"CREATE TABLE {_table} (id int, note text); GRANT ALL ON {_table} TO hg_app", "hg_test");
        _gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Policy:Path"] = TestPolicy.Write(Policy),
            ["HoopGate:Authentication:StaticUsers:1:Name"] = Analyst,
            ["HoopGate:Authentication:StaticUsers:1:Password"] = Password,
            ["HoopGate:Authentication:StaticUsers:1:Groups:0"] = "analysts",
            ["HoopGate:Authentication:StaticUsers:2:Name"] = Writer,
            ["HoopGate:Authentication:StaticUsers:2:Password"] = Password,
            ["HoopGate:Authentication:StaticUsers:2:Groups:0"] = "writers",
        }).Within();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await fixture.Cluster.ExecuteAsync($"DROP TABLE IF EXISTS {_table}", "hg_test");
    }

    [Fact]
    public async Task Denied_statement_returns_42501_naming_the_rule_and_the_session_stays_usable()
    {
        await using NpgsqlConnection connection = await OpenAsync(Analyst);

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(
            () => connection.ExecuteAsync($"INSERT INTO {_table} VALUES (1, 'x')")).Within();
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal("ERROR", error.Severity);
        Assert.Equal("permission denied by policy rule \"not-granted\": your groups (analysts) may not run insert statements", error.MessageText);

        Assert.Equal(0L, await connection.ScalarAsync<long>($"SELECT count(*) FROM {_table}").Within());
        Assert.Equal(0L, await ServerCountAsync());
    }

    [Fact]
    public async Task A_read_only_group_cannot_write_through_built_in_functions_or_merge()
    {
        await using NpgsqlConnection connection = await OpenAsync(Analyst);
        await fixture.Cluster.ExecuteAsync("CREATE SEQUENCE IF NOT EXISTS hg_policy_seq", "hg_test");

        foreach (string sql in new[]
        {
            "SELECT setval('hg_policy_seq', 42)",
            "SELECT lo_from_bytea(0, 'x')",
            $"MERGE INTO {_table} t USING (SELECT 1 AS id) s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (1, 'x')",
        })
        {
            PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql)).Within();
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
            Assert.StartsWith("permission denied by policy rule \"not-granted\"", error.MessageText, StringComparison.Ordinal);
        }

        var builder = new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_test" };
        await using var server = new NpgsqlConnection(builder.ConnectionString);
        await server.OpenAsync().Within();
        Assert.Equal(1L, await server.ScalarAsync<long>("SELECT last_value FROM hg_policy_seq").Within());
        Assert.Equal(0L, await server.ScalarAsync<long>("SELECT count(*) FROM pg_largeobject_metadata").Within());
        Assert.Equal(0L, await ServerCountAsync());
    }

    [Fact]
    public async Task Parameterised_statements_are_judged_at_parse_and_refused_before_bind()
    {
        await using NpgsqlConnection connection = await OpenAsync(Analyst);
        await using var insert = new NpgsqlCommand($"INSERT INTO {_table} VALUES ($1, $2)", connection);
        insert.Parameters.AddWithValue(7);
        insert.Parameters.AddWithValue("secret");

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync()).Within();
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);

        await using var select = new NpgsqlCommand($"SELECT count(*) FROM {_table} WHERE id = $1", connection);
        select.Parameters.AddWithValue(7);
        await select.PrepareAsync().Within();
        Assert.Equal(0L, await select.ExecuteScalarAsync().Within());
        Assert.Equal(0L, await select.ExecuteScalarAsync().Within());
        Assert.Equal(0L, await ServerCountAsync());
    }

    [Fact]
    public async Task A_denied_statement_inside_a_transaction_aborts_it_like_any_server_error()
    {
        await using NpgsqlConnection connection = await OpenAsync(Writer);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync().Within();
        await connection.ExecuteAsync($"INSERT INTO {_table} VALUES (1, 'in the transaction')").Within();

        PostgresException denied = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync($"DELETE FROM {_table}")).Within();
        Assert.Contains("\"unbounded-write\"", denied.MessageText, StringComparison.Ordinal);

        PostgresException aborted = await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarAsync<int>("SELECT 1")).Within();
        Assert.Equal(PostgresErrorCodes.InFailedSqlTransaction, aborted.SqlState);
        await transaction.RollbackAsync().Within();

        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1").Within());
        Assert.Equal(0L, await ServerCountAsync());
    }

    [Fact]
    public async Task A_pipelined_batch_with_a_denied_statement_in_the_middle_runs_none_of_it()
    {
        await using NpgsqlConnection connection = await OpenAsync(Writer);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"INSERT INTO {_table} VALUES (1, 'first')"),
                new NpgsqlBatchCommand($"UPDATE {_table} SET note = 'everything'"),
                new NpgsqlBatchCommand($"INSERT INTO {_table} VALUES (3, 'third')"),
            },
        };

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync()).Within();
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.StartsWith("permission denied by policy rule \"unbounded-write\"", error.MessageText, StringComparison.Ordinal);

        // One Sync for the whole batch: an implicit transaction, which the error rolled back — the first INSERT too.
        Assert.Equal(0L, await ServerCountAsync());
        Assert.Equal(1, await connection.ScalarAsync<int>("SELECT 1").Within());
    }

    [Fact]
    public async Task Allowed_batches_run_whole()
    {
        await using NpgsqlConnection connection = await OpenAsync(Writer);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"INSERT INTO {_table} VALUES (1, 'a')"),
                new NpgsqlBatchCommand($"INSERT INTO {_table} VALUES (2, 'b')"),
                new NpgsqlBatchCommand($"SELECT count(*) FROM {_table}"),
            },
        };

        Assert.Equal(2L, await batch.ExecuteScalarAsync().Within());
        await connection.ExecuteAsync($"DELETE FROM {_table} WHERE id IN (1, 2)").Within();
    }

    [Fact]
    public async Task Unparsable_sql_gets_the_parsers_42601_with_its_position()
    {
        await using NpgsqlConnection connection = await OpenAsync(Analyst);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("SELECT * FORM nowhere")).Within();
        Assert.Equal(PostgresErrorCodes.SyntaxError, error.SqlState);
        Assert.Equal("syntax error at or near \"FORM\"", error.MessageText);
        Assert.Equal(10, error.Position);
    }

    [Theory]
    [InlineData("SET ROLE postgres", "identity")]
    [InlineData("SET SESSION AUTHORIZATION postgres", "identity")]
    [InlineData("RESET ALL", "identity")]
    [InlineData("SELECT set_config('role', 'postgres', false)", "identity")]
    [InlineData("SET application_name = 'somebody else'", "identity")]
    [InlineData("SELECT pg_read_file('/etc/passwd')", "forbidden-function")]
    [InlineData("COPY (SELECT 1) TO PROGRAM 'id'", "server-side-copy")]
    public async Task Built_in_rules_hold_for_every_group(string sql, string rule)
    {
        await using NpgsqlConnection connection = await OpenAsync(Writer);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql)).Within();
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.StartsWith("permission denied by policy rule \"" + rule + "\"", error.MessageText, StringComparison.Ordinal);
        Assert.Equal("hg_app", await connection.ScalarAsync<string>("SELECT current_user").Within());
    }

    [Fact]
    public async Task A_review_rule_in_retry_mode_refuses_at_once_and_says_how_to_proceed()
    {
        await using NpgsqlConnection connection = await OpenAsync(Writer);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync($"TRUNCATE {_table}")).Within();
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.StartsWith("statement requires approval under policy rule \"destructive-ddl\"", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("run exactly the same statement again", error.Hint, StringComparison.Ordinal);
        Assert.True(await TableExistsAsync());
    }

    [Fact]
    public async Task Psql_multi_statement_query_with_one_denied_statement_runs_none_of_it()
    {
        // psql -c sends the whole string as one simple Query: judged as a whole.
        string sql = $"INSERT INTO {_table} VALUES (1, 'a'); DELETE FROM {_table}; INSERT INTO {_table} VALUES (2, 'b')";
        ProcessRunner.Result result = await RunPsqlAsync(Writer, ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]).Within();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("permission denied by policy rule \"unbounded-write\"", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(0L, await ServerCountAsync());
    }

    [Fact]
    public async Task Psql_script_goes_on_after_a_denied_statement_when_told_to()
    {
        string script = $"""
            INSERT INTO {_table} VALUES (5, 'five');
            DROP TABLE {_table};
            SELECT 'still here, rows: ' || count(*) FROM {_table};
            DELETE FROM {_table} WHERE id = 5;

            """;
        ProcessRunner.Result result = await RunPsqlAsync(Writer, ["-X", "-A", "-t", "-q", "-f", "-"], script).Within();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("statement requires approval under policy rule \"destructive-ddl\"", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("still here, rows: 1", result.StandardOutput.Trim());
        Assert.Equal(0L, await ServerCountAsync());
    }

    [Fact]
    public async Task Dollar_quotes_and_comments_do_not_smuggle_a_second_statement_past_the_gate()
    {
        await using NpgsqlConnection connection = await OpenAsync(Analyst);
        Assert.Equal("; DELETE FROM x; ", await connection.ScalarAsync<string>("SELECT $q$; DELETE FROM x; $q$").Within());

        ProcessRunner.Result result = await RunPsqlAsync(
            Analyst, ["-X", "-A", "-t", "-c", $"/* ' */ INSERT INTO {_table} VALUES (9, 'sneaky'); /* ' */ SELECT 1"]).Within();
        Assert.Contains("may not run insert statements", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(0L, await ServerCountAsync());
    }

    [Fact]
    public async Task A_client_asking_for_another_encoding_gets_a_utf8_session_and_is_told_so()
    {
        ProcessRunner.Result result = await RunPsqlAsync(
            Analyst, ["-X", "-A", "-t", "-c", "SHOW client_encoding", "-c", "SHOW standard_conforming_strings"], environment: new() { ["PGCLIENTENCODING"] = "SJIS" }).Within();

        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Equal(["UTF8", "on"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("-c search_path=billing")]
    [InlineData("-c standard_conforming_strings=off")]
    [InlineData("-c client_encoding=SJIS")]
    public async Task Settings_that_change_how_the_server_reads_sql_cannot_be_passed_at_startup(string options)
    {
        ProcessRunner.Result result = await RunPsqlAsync(
            Analyst, ["-X", "-A", "-t", "-c", "SELECT 1"], environment: new() { ["PGOPTIONS"] = options }).Within();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("cannot be set through the gateway", result.StandardError, StringComparison.Ordinal);
    }

    private async Task<NpgsqlConnection> OpenAsync(string user)
    {
        NpgsqlConnectionStringBuilder builder = _gateway.ConnectionString("hg_test");
        builder.Username = user;
        builder.Password = Password;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return connection;
    }

    private async Task<long> ServerCountAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_test" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return await connection.ScalarAsync<long>($"SELECT count(*) FROM {_table}").Within();
    }

    private async Task<bool> TableExistsAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_test" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return await connection.ScalarAsync<bool>($"SELECT to_regclass('{_table}') IS NOT NULL").Within();
    }

    private Task<ProcessRunner.Result> RunPsqlAsync(
        string user, string[] arguments, string? standardInput = null, Dictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string> { ["PGPASSWORD"] = Password, ["PGCONNECT_TIMEOUT"] = "10" };
        foreach ((string name, string value) in environment ?? [])
        {
            variables[name] = value;
        }

        string uri = "postgresql://" + user + "@127.0.0.1:" + _gateway.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/hg_test?sslmode=disable";
        return ProcessRunner.RunAsync(
            "/usr/bin/psql",
            [.. arguments, uri],
            TimeSpan.FromSeconds(30),
            variables,
            standardInput);
    }
}
