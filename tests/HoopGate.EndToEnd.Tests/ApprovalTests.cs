using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HoopGate.Admin;
using HoopGate.Demo;
using HoopGate.Protocol.Frontend;
using HoopGate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Statements held for human approval, end to end: real clients through an OIDC gateway, decisions over the admin HTTP
/// API with bearer tokens from the development issuer, requests in the audit store shared by every instance, and a
/// loopback webhook receiver. Requesters are in group "staff"; approvers in "approvers" (the default approver group).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ApprovalTests(GatewayFixture fixture) : IAsyncLifetime, IDisposable
{
    private const string Policy = """
        version: 1
        everyone:
          statements: [all]
          read: ["*.*"]
          write: ["*.*"]
        guardrails:
          - name: unbounded-delete
            action: review
            reason: deleting every row needs a second person
            unboundedWrite: true
            review: { mode: wait, timeout: 60s }
          - name: truncate
            action: review
            reason: truncation needs approval
            commands: [TRUNCATE]
            review: { mode: retry, validity: 10m }
          - name: drop-table
            action: review
            reason: dropping a table needs approval
            commands: [DROP TABLE]
            review: { mode: wait, timeout: 2s }
          - name: alter-table
            action: review
            reason: altering a table needs a reason and two approvers
            commands: [ALTER TABLE]
            review: { mode: retry, justification: required, approvals: 2 }
        """;

    private readonly WebhookReceiver _webhook = new();
    private DevelopmentIssuer _issuer = null!;
    private GatewayInstance _gateway = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).Within();
        _gateway = await StartGatewayAsync().Within();
        _http = new HttpClient { BaseAddress = _gateway.Services.GetRequiredService<AdminServer>().BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    public void Dispose()
    {
        _http?.Dispose();
        _webhook.Dispose();
    }

    [Fact]
    public async Task Delete_without_where_waits_until_an_approver_approves_it_over_http_and_then_runs_once()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 3);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        await using var delete = new NpgsqlCommand("DELETE FROM " + table, connection);
        Task<int> held = delete.ExecuteNonQueryAsync();

        JsonElement request = await PendingRequestAsync(requester);
        await Task.Delay(300);
        Assert.False(held.IsCompleted, "the DELETE must be held while its request is pending");
        Assert.Equal(3L, await CountAsync(requester, table));
        Assert.Equal("DELETE FROM " + table, request.GetProperty("sql").GetString());
        Assert.Equal("unbounded-delete", request.GetProperty("rule").GetString());
        Assert.Equal("wait", request.GetProperty("mode").GetString());

        long id = request.GetProperty("id").GetInt64();
        using HttpResponseMessage approved = await DecideAsync(id, "approve", Approver(), "checked with the ward manager");
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);

        Assert.Equal(3, await held.Within());
        Assert.Equal(0L, await CountAsync(requester, table));

        JsonElement trail = await GetAsync(id, Approver());
        Assert.Equal("executed", trail.GetProperty("status").GetString());
        Assert.Equal("requested approved executed", string.Join(' ', trail.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString())));
        Assert.Equal("checked with the ward manager", trail.GetProperty("decision_comment").GetString());

        // The statement's audit record names the approval it ran under.
        await _gateway.DrainAuditAsync();
        await using NpgsqlConnection audit = await AuditStoreAsync();
        await using var record = new NpgsqlCommand("SELECT decision, rule, outcome, rows FROM hoopgate_audit.statements WHERE approval = $1", audit);
        record.Parameters.AddWithValue(id);
        await using NpgsqlDataReader reader = await record.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no statement record names approval " + id);
        Assert.Equal("allow", reader.GetString(0));
        Assert.Equal("unbounded-delete", reader.GetString(1));
        Assert.Equal("completed", reader.GetString(2));
        Assert.Equal(3L, reader.GetInt64(3));
    }

    [Fact]
    public async Task Denied_request_fails_the_held_statement_with_the_approvers_name_and_comment()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 2);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        await using var delete = new NpgsqlCommand("DELETE FROM " + table, connection);
        Task<int> held = delete.ExecuteNonQueryAsync();
        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();
        string approver = GatewayFixture.UniqueName("approver");

        using HttpResponseMessage denied = await DecideAsync(id, "deny", Approver(approver), "use a WHERE clause");

        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => held).Within();
        Assert.Equal("42501", error.SqlState);
        Assert.Contains("denied by approver " + approver, error.MessageText, StringComparison.Ordinal);
        Assert.Contains("use a WHERE clause", error.Detail, StringComparison.Ordinal);
        Assert.Equal(2L, await CountAsync(requester, table));
        await AssertUsableAsync(connection);
    }

    [Fact]
    public async Task Request_nobody_decides_expires_after_the_rules_timeout_and_the_statement_does_not_run()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 1);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        await using var drop = new NpgsqlCommand("DROP TABLE " + table, connection);

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => drop.ExecuteNonQueryAsync()).Within();

        Assert.Equal("42501", error.SqlState);
        Assert.Contains("expired: nobody decided within 2s", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(1L, await CountAsync(requester, table));
        JsonElement request = (await ListAsync("expired", Approver())).Single(r => r.GetProperty("requester").GetString() == requester);
        Assert.Equal("DROP TABLE " + table, request.GetProperty("sql").GetString());
        await AssertUsableAsync(connection);
    }

    [Fact]
    public async Task Client_cancel_withdraws_the_request_it_waits_on_and_a_late_approval_is_refused()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 2);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        await using var delete = new NpgsqlCommand("DELETE FROM " + table, connection);
        Task<int> held = delete.ExecuteNonQueryAsync();
        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();

        delete.Cancel();

        OperationCanceledException cancelled = await Assert.ThrowsAsync<OperationCanceledException>(() => held).Within();
        Assert.Equal("57014", Assert.IsType<PostgresException>(cancelled.InnerException).SqlState);
        Assert.Equal("withdrawn", (await GetAsync(id, Approver())).GetProperty("status").GetString());
        using HttpResponseMessage late = await DecideAsync(id, "approve", Approver(), null);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal(2L, await CountAsync(requester, table));
        await AssertUsableAsync(connection);
    }

    [Fact]
    public async Task Retry_mode_names_the_request_runs_the_same_sql_once_after_approval_and_refuses_a_second_use()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 4);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        string truncate = "TRUNCATE " + table;

        PostgresException first = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, truncate)).Within();
        Assert.Equal("42501", first.SqlState);
        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();
        Assert.Contains("Review request " + id + " is pending", first.Detail, StringComparison.Ordinal);
        Assert.Contains("run exactly the same statement again", first.Hint, StringComparison.Ordinal);

        // Asking again before anyone decides files nothing new.
        PostgresException again = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, truncate)).Within();
        Assert.Contains("Review request " + id + " is pending", again.Detail, StringComparison.Ordinal);

        using (HttpResponseMessage approved = await DecideAsync(id, "approve", Approver(), null))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        // Different SQL is not covered by the approval.
        PostgresException other = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, truncate + " CASCADE")).Within();
        Assert.DoesNotContain("request " + id + " ", other.Detail, StringComparison.Ordinal);

        await ExecuteAsync(connection, truncate);
        Assert.Equal(0L, await CountAsync(requester, table));
        Assert.Equal("executed", (await GetAsync(id, Approver())).GetProperty("status").GetString());

        PostgresException reused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, truncate)).Within();
        Assert.Equal("42501", reused.SqlState);
        Assert.DoesNotContain("request " + id + " ", reused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requester_cannot_approve_their_own_request_even_as_an_approver()
    {
        string requester = GatewayFixture.UniqueName("approver-requester");
        string table = await CreateTableAsync(requester, rows: 1);
        string token = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = requester, Groups = ["staff", "approvers"] });
        await using NpgsqlConnection connection = await OpenAsync(requester, token);
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "TRUNCATE " + table)).Within();
        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();

        using HttpResponseMessage own = await DecideAsync(id, "approve", token, "looks fine to me");

        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Contains("your own", await own.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("pending", (await GetAsync(id, Approver())).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Admin_api_refuses_callers_without_a_valid_token_or_an_approver_group()
    {
        using (HttpResponseMessage anonymous = await _http.GetAsync("/approvals"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/approvals");
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        using (HttpResponseMessage invalid = await _http.SendAsync(forged))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, invalid.StatusCode);
        }

        string staff = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = GatewayFixture.UniqueName("staff"), Groups = ["staff"] });
        using var list = new HttpRequestMessage(HttpMethod.Get, "/approvals");
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", staff);
        using (HttpResponseMessage forbidden = await _http.SendAsync(list))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 1);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "TRUNCATE " + table)).Within();
        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();
        using HttpResponseMessage decide = await DecideAsync(id, "approve", staff, null);
        Assert.Equal(HttpStatusCode.Forbidden, decide.StatusCode);
        Assert.Equal("pending", (await GetAsync(id, Approver())).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Rule_requiring_a_justification_refuses_without_one_and_two_approvers_are_needed()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 1);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        string alter = "ALTER TABLE " + table + " ADD COLUMN note text";

        PostgresException unjustified = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, alter)).Within();
        Assert.Contains("requires a justification", unjustified.MessageText, StringComparison.Ordinal);
        Assert.Contains("justification:", unjustified.Hint, StringComparison.Ordinal);

        await ExecuteAsync(connection, "SET hoopgate.justification = 'ticket CHG-42: add a note column'");
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, alter)).Within();
        JsonElement request = await PendingRequestAsync(requester);
        Assert.Equal("ticket CHG-42: add a note column", request.GetProperty("justification").GetString());
        long id = request.GetProperty("id").GetInt64();

        using (HttpResponseMessage one = await DecideAsync(id, "approve", Approver(), null))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        }

        Assert.Equal("pending", (await GetAsync(id, Approver())).GetProperty("status").GetString());
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, alter)).Within();
        using (HttpResponseMessage two = await DecideAsync(id, "approve", Approver(), null))
        {
            Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        }

        await ExecuteAsync(connection, alter);
        Assert.Equal(1L, await CountAsync(requester, table));
    }

    [Fact]
    public async Task Request_filed_through_one_instance_is_approved_and_run_through_another_sharing_the_store()
    {
        await using GatewayInstance second = await StartGatewayAsync().Within();
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 5);
        string truncate = "TRUNCATE " + table;
        await using (NpgsqlConnection viaFirst = await OpenAsync(requester))
        {
            await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(viaFirst, truncate)).Within();
        }

        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();
        using var secondApi = new HttpClient { BaseAddress = second.Services.GetRequiredService<AdminServer>().BaseAddress };
        using var approve = new HttpRequestMessage(HttpMethod.Post, "/approvals/" + id + "/approve") { Content = JsonContent.Create(new { comment = "ok" }) };
        approve.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Approver());
        using (HttpResponseMessage approved = await secondApi.SendAsync(approve))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        await using NpgsqlConnection viaSecond = await OpenAsync(requester, gateway: second);
        await ExecuteAsync(viaSecond, truncate);
        Assert.Equal(0L, await CountAsync(requester, table));
    }

    [Fact]
    public async Task Webhook_announces_new_requests_and_decisions_without_the_sql()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 1);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "TRUNCATE " + table)).Within();
        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();
        using (HttpResponseMessage denied = await DecideAsync(id, "deny", Approver(), "not today"))
        {
            Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        }

        JsonElement requested = await _webhook.WaitForAsync(id, "requested");
        JsonElement decided = await _webhook.WaitForAsync(id, "denied");

        Assert.Contains("request " + id + " by " + requester, requested.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("needs approval", requested.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("not today", decided.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(table, requested.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(table, decided.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_webhook_that_cannot_be_reached_delays_neither_the_request_nor_the_decision()
    {
        await using GatewayInstance unreachable = await StartGatewayAsync("http://127.0.0.1:" + PostgresCluster.FreePort() + "/nobody-listens").Within();
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 2);
        await using NpgsqlConnection connection = await OpenAsync(requester, gateway: unreachable);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "TRUNCATE " + table)).Within();
        long id = await ApprovePendingAsync(requester);

        await ExecuteAsync(connection, "TRUNCATE " + table);
        Assert.Equal(0L, await CountAsync(requester, table));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "a failing webhook held things up for " + clock.Elapsed);
    }

    [Fact]
    public async Task A_statement_held_in_an_aborted_transaction_files_no_request()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 1);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        await ExecuteAsync(connection, "BEGIN");
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "SELECT 1/0")).Within();

        PostgresException aborted = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "TRUNCATE " + table)).Within();

        Assert.Equal("25P02", aborted.SqlState);
        Assert.DoesNotContain((await ListAsync("pending", Approver())).Concat(await ListAsync("expired", Approver())), r => r.GetProperty("requester").GetString() == requester);
        await ExecuteAsync(connection, "ROLLBACK");
        await AssertUsableAsync(connection);
    }

    [Fact]
    public async Task Statement_needing_approval_cannot_be_prepared_under_a_name()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 1);
        await using NpgsqlConnection connection = await OpenAsync(requester);

        PostgresException sqlPrepare = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "PREPARE wipe AS DELETE FROM " + table)).Within();
        Assert.Contains("cannot be prepared", sqlPrepare.MessageText, StringComparison.Ordinal);

        await using var delete = new NpgsqlCommand("DELETE FROM " + table, connection);
        PostgresException protocolPrepare = await Assert.ThrowsAsync<PostgresException>(() => delete.PrepareAsync()).Within();
        Assert.Contains("cannot be prepared", protocolPrepare.MessageText, StringComparison.Ordinal);
        Assert.Equal(1L, await CountAsync(requester, table));
    }

    [Fact]
    public async Task Cli_lists_shows_and_approves_requests_with_the_approvers_token()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 2);
        await using NpgsqlConnection connection = await OpenAsync(requester);
        string truncate = "/* justification: clear the staging copy */ TRUNCATE " + table;
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, truncate)).Within();
        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();
        string config = Path.Combine(Path.GetTempPath(), "hoopgate-approvals-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["HoopGate"] = new Dictionary<string, object>
            {
                ["Authentication"] = new { Mode = "Oidc" },
                ["Oidc"] = new { Issuers = new[] { new { Issuer = _issuer.Issuer, AllowHttp = true, Audiences = new[] { "hoopgate" } } } },
                ["Audit"] = new { ConnectionString = AuditConnectionString(), SpoolDirectory = AuditStoreFixture.NewSpoolDirectory(), ParameterKey = AuditStoreFixture.ParameterKey },
            },
        }));
        string hoopgate = Path.Combine(AppContext.BaseDirectory, "hoopgate");

        ProcessRunner.Result list = await ProcessRunner.RunAsync(hoopgate, ["approvals", "list", "--config", config], TimeSpan.FromSeconds(60)).Within();
        Assert.True(list.ExitCode == 0, list.Combined);
        Assert.Contains(id + "\tpending\t", list.StandardOutput, StringComparison.Ordinal);

        ProcessRunner.Result show = await ProcessRunner.RunAsync(hoopgate, ["approvals", "show", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", config], TimeSpan.FromSeconds(60)).Within();
        Assert.True(show.ExitCode == 0, show.Combined);
        Assert.Contains("TRUNCATE " + table, show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("clear the staging copy", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("requested by " + requester, show.StandardOutput, StringComparison.Ordinal);

        string own = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = requester, Groups = ["approvers"] });
        ProcessRunner.Result self = await ProcessRunner.RunAsync(
            hoopgate, ["approvals", "approve", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", config, "--token", own], TimeSpan.FromSeconds(60)).Within();
        Assert.Equal(1, self.ExitCode);
        Assert.Contains("your own", self.StandardError, StringComparison.Ordinal);

        ProcessRunner.Result approve = await ProcessRunner.RunAsync(
            hoopgate, ["approvals", "approve", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", config, "--token", Approver(), "--comment", "fine"],
            TimeSpan.FromSeconds(60)).Within();
        Assert.True(approve.ExitCode == 0, approve.Combined);
        Assert.DoesNotContain("eyJ", approve.Combined, StringComparison.Ordinal);

        await ExecuteAsync(connection, truncate);
        Assert.Equal(0L, await CountAsync(requester, table));
    }

    private string AuditConnectionString() => new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString)
    {
        Database = "hg_audit",
        Username = "hg_app",
        Password = PostgresCluster.RolePassword,
    }.ConnectionString;

    [Fact]
    public async Task An_approved_extended_statement_runs_once_whatever_the_client_does_with_its_names_afterwards()
    {
        (string requester, string table, RawClient client) = await StaffWithTableAsync();
        await using RawClient connected = client;
        await client.SendAsync(w =>
        {
            new Parse("", "DELETE FROM " + table + " RETURNING id", []).WriteTo(w);
            new Bind("p1", "", [], [], []).WriteTo(w);
            new Execute("p1", 0).WriteTo(w);
            Sync.Write(w);
        }).Within();
        long id = await ApprovePendingAsync(requester);

        RawClient.QueryResult ran = await client.ReadResultAsync().Within();
        Assert.Empty(ran.Errors);
        Assert.Equal(3, ran.Rows.Count);
        Assert.Equal(0L, await CountAsync(requester, table));
        await RefillAsync(requester, table);

        // One portal per approval: another Bind of the approved statement is refused.
        await client.SendAsync(w =>
        {
            new Bind("p2", "", [], [], []).WriteTo(w);
            new Execute("p2", 0).WriteTo(w);
            Sync.Write(w);
        }).Within();
        RawClient.QueryResult again = await client.ReadResultAsync().Within();
        Assert.Contains("approved one execution", Assert.Single(again.Errors).Message, StringComparison.Ordinal);

        // Bind it again after an error made the server skip a Parse, after a parsed (never run) DEALLOCATE ALL, and plainly.
        await client.SendAsync(w =>
        {
            new Execute("no_such_portal", 0).WriteTo(w);
            new Parse("", "SELECT 1", []).WriteTo(w);
            Sync.Write(w);
        }).Within();
        await client.ReadResultAsync().Within();
        await client.SendAsync(w =>
        {
            new Parse("zz", "DEALLOCATE ALL", []).WriteTo(w);
            new Bind("p3", "", [], [], []).WriteTo(w);
            new Execute("p3", 0).WriteTo(w);
            Sync.Write(w);
        }).Within();
        await client.ReadResultAsync().Within();
        await client.SendAsync(w =>
        {
            new Bind("", "", [], [], []).WriteTo(w);
            new Execute("", 0).WriteTo(w);
            Sync.Write(w);
        }).Within();
        await client.ReadResultAsync().Within();

        Assert.Equal(3L, await CountAsync(requester, table));
        Assert.Equal("executed", (await GetAsync(id, Approver())).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_approved_statement_cannot_be_run_again_from_sql_by_the_name_the_gateway_gave_it()
    {
        (string requester, string table, RawClient client) = await StaffWithTableAsync();
        await using RawClient connected = client;
        await client.SendAsync(w =>
        {
            new Parse("", "DELETE FROM " + table, []).WriteTo(w);
            Sync.Write(w);
        }).Within();
        await ApprovePendingAsync(requester);

        Assert.Empty((await client.ReadResultAsync().Within()).Errors);

        // The approved statement waits on the server under the gateway's name, which pg_prepared_statements shows.
        RawClient.QueryResult names = await client.QueryAsync("SELECT name FROM pg_prepared_statements").Within();
        string name = Assert.Single(names.Rows)[0]!;
        Assert.StartsWith("hoopgate_approved_", name, StringComparison.Ordinal);
        foreach (string sql in new[] { "EXPLAIN ANALYZE EXECUTE " + name, "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE " + name, "EXECUTE " + name })
        {
            RawClient.QueryResult refused = await client.QueryAsync(sql).Within();
            Assert.Equal("42501", Assert.Single(refused.Errors).SqlState);
        }

        Assert.Equal(3L, await CountAsync(requester, table));
    }

    /// <summary>A new staff identity with a table of three rows, connected through the gateway.</summary>
    private async Task<(string Requester, string Table, RawClient Client)> StaffWithTableAsync()
    {
        string requester = GatewayFixture.UniqueName("requester");
        string table = await CreateTableAsync(requester, rows: 3);
        string token = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = requester, Groups = ["staff"] });
        return (requester, table, await RawClient.ConnectAsync(_gateway.EndPoint, requester, token, "hg_test"));
    }

    /// <summary>Approves the requester's one pending request over HTTP and returns its id.</summary>
    private async Task<long> ApprovePendingAsync(string requester)
    {
        long id = (await PendingRequestAsync(requester)).GetProperty("id").GetInt64();
        using HttpResponseMessage approved = await DecideAsync(id, "approve", Approver(), null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        return id;
    }

    private async Task RefillAsync(string subject, string table)
    {
        await using NpgsqlConnection connection = await OpenAsync(subject);
        await ExecuteAsync(connection, "INSERT INTO " + table + " SELECT g FROM generate_series(1, 3) g ON CONFLICT DO NOTHING");
    }

    private Task<GatewayInstance> StartGatewayAsync(string? webhook = null) => GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
    {
        ["HoopGate:Authentication:Mode"] = "Oidc",
        ["HoopGate:Authentication:AllowPlaintextTokens"] = "true",
        ["HoopGate:Oidc:Issuers:0:Issuer"] = _issuer.Issuer,
        ["HoopGate:Oidc:Issuers:0:AllowHttp"] = "true",
        ["HoopGate:Oidc:Issuers:0:Audiences:0"] = "hoopgate",
        ["HoopGate:Grants:0:Group"] = "staff",
        ["HoopGate:Grants:0:Databases:0"] = "hg_test",
        ["HoopGate:Policy:Path"] = TestPolicy.Write(Policy),
        ["HoopGate:Admin:Enabled"] = "true",
        ["HoopGate:Admin:Port"] = "0",
        ["HoopGate:Approvals:WebhookUrl"] = webhook ?? _webhook.Url,
    });

    private string Approver(string? subject = null) =>
        _issuer.CreateToken(new DevelopmentTokenRequest { Subject = subject ?? GatewayFixture.UniqueName("approver"), Groups = ["approvers"] });

    private async Task<NpgsqlConnection> OpenAsync(string subject, string? token = null, GatewayInstance? gateway = null)
    {
        NpgsqlConnectionStringBuilder builder = (gateway ?? _gateway).ConnectionString("hg_test");
        builder.Username = subject;
        builder.IncludeErrorDetail = true;
        builder.Password = token ?? _issuer.CreateToken(new DevelopmentTokenRequest { Subject = subject, Groups = ["staff"] });
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return connection;
    }

    private async Task<string> CreateTableAsync(string subject, int rows)
    {
        string table = GatewayFixture.UniqueName("held");
        await using NpgsqlConnection connection = await OpenAsync(subject);
        await ExecuteAsync(connection, "CREATE TABLE " + table + " (id int PRIMARY KEY); INSERT INTO " + table + " SELECT generate_series(1, " + rows + ")");
        return table;
    }

    private async Task<long> CountAsync(string subject, string table)
    {
        await using NpgsqlConnection connection = await OpenAsync(subject);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM " + table, connection);
        return (long)(await count.ExecuteScalarAsync().Within())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().Within();
    }

    private static async Task AssertUsableAsync(NpgsqlConnection connection)
    {
        await using var check = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await check.ExecuteScalarAsync().Within());
    }

    private async Task<NpgsqlConnection> AuditStoreAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_audit" };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The requester's pending request, as an approver's inbox shows it (waits up to 15 s for it to appear).</summary>
    private async Task<JsonElement> PendingRequestAsync(string requester)
    {
        for (int attempt = 0; attempt < 150; attempt++)
        {
            foreach (JsonElement request in await ListAsync("pending", Approver()))
            {
                if (request.GetProperty("requester").GetString() == requester)
                {
                    return request;
                }
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("no pending request of " + requester + " appeared within 15 s");
    }

    private async Task<JsonElement[]> ListAsync(string status, string token)
    {
        using var list = new HttpRequestMessage(HttpMethod.Get, "/approvals?status=" + status);
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await _http.SendAsync(list);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private async Task<JsonElement> GetAsync(long id, string token)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "/approvals/" + id);
        get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await _http.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private Task<HttpResponseMessage> DecideAsync(long id, string decision, string token, string? comment)
    {
        var post = new HttpRequestMessage(HttpMethod.Post, "/approvals/" + id + "/" + decision)
        {
            Content = comment is null ? null : JsonContent.Create(new { comment }),
        };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _http.SendAsync(post);
    }

    /// <summary>A loopback HTTP listener that collects the webhook's JSON posts.</summary>
    private sealed class WebhookReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<JsonElement> _received = [];
        private readonly Task _loop;

        public WebhookReceiver()
        {
            int port = PostgresCluster.FreePort();
            Url = "http://127.0.0.1:" + port + "/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(ReceiveAsync);
        }

        public string Url { get; }

        public async Task<JsonElement> WaitForAsync(long id, string step)
        {
            for (int attempt = 0; attempt < 100; attempt++)
            {
                lock (_received)
                {
                    foreach (JsonElement payload in _received)
                    {
                        if (payload.GetProperty("event").GetString() == step && payload.GetProperty("request").GetProperty("id").GetInt64() == id)
                        {
                            return payload;
                        }
                    }
                }

                await Task.Delay(100);
            }

            throw new InvalidOperationException("the webhook did not announce " + step + " of request " + id + " within 10 s");
        }

        public void Dispose()
        {
            _listener.Close();
            _ = _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        private async Task ReceiveAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using (JsonDocument json = await JsonDocument.ParseAsync(context.Request.InputStream))
                {
                    lock (_received)
                    {
                        _received.Add(json.RootElement.Clone());
                    }
                }

                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        }
    }
}
