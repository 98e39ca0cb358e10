using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HoopGate.Admin;
using HoopGate.Demo;
using HoopGate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// The admin API over real HTTP, as probes, Prometheus and operators use it: health and readiness, metrics that move as
/// clients work, and the session list and terminate for the admin groups only.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class AdminApiTests(GatewayFixture fixture) : IAsyncLifetime, IDisposable
{
    private DevelopmentIssuer _issuer = null!;
    private GatewayInstance _gateway = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).Within();
        _gateway = await StartAsync(fixture.Cluster.Port).Within();
        _http = Client(_gateway);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    public void Dispose() => _http?.Dispose();

    [Fact]
    public async Task Health_and_readiness_answer_probes_and_readiness_says_what_is_missing()
    {
        Assert.Equal("ok\n", await _http.GetStringAsync("/healthz"));
        using (HttpResponseMessage ready = await _http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("\"upstream\":\"ok\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A gateway whose upstream does not answer is alive but not ready.
        await using GatewayInstance orphan = await StartAsync(PostgresCluster.FreePort()).Within();
        using HttpClient orphanApi = Client(orphan);
        Assert.Equal(HttpStatusCode.OK, (await orphanApi.GetAsync("/healthz")).StatusCode);
        using HttpResponseMessage notReady = await orphanApi.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("\"upstream\":\"unreachable\"", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_move_as_sessions_statements_masking_and_failed_logins_happen()
    {
        string before = await _http.GetStringAsync("/metrics");

        string token = Token("analysts");
        await using (NpgsqlConnection analyst = await OpenAsync(token))
        {
            await using var read = new NpgsqlCommand("SELECT ssn FROM clinic.patients ORDER BY id LIMIT 7", analyst);
            await using (NpgsqlDataReader reader = await read.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                }
            }

            // Bytes count as they are relayed, not when the session ends.
            string during = await _http.GetStringAsync("/metrics");
            Assert.True(Value(during, "hoopgate_bytes_total{direction=\"to_client\"}") > Value(before, "hoopgate_bytes_total{direction=\"to_client\"}"));
            Assert.True(Value(during, "hoopgate_bytes_total{direction=\"to_server\"}") > Value(before, "hoopgate_bytes_total{direction=\"to_server\"}"));

            await using var write = new NpgsqlCommand("DELETE FROM clinic.visits", analyst);
            await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync());
        }

        NpgsqlConnectionStringBuilder forged = _gateway.ConnectionString(PostgresCluster.ClinicDatabase);
        forged.Password = "not-a-token";
        await using (var failing = new NpgsqlConnection(forged.ConnectionString))
        {
            await Assert.ThrowsAsync<PostgresException>(() => failing.OpenAsync());
        }

        string after = await _http.GetStringAsync("/metrics");
        Assert.True(Value(after, "hoopgate_sessions_total") >= Value(before, "hoopgate_sessions_total") + 1);
        Assert.True(Value(after, "hoopgate_statements_total{decision=\"deny\"}") >= Value(before, "hoopgate_statements_total{decision=\"deny\"}") + 1);
        Assert.True(Value(after, "hoopgate_statements_total{decision=\"allow\"}") > Value(before, "hoopgate_statements_total{decision=\"allow\"}"));
        Assert.True(Value(after, "hoopgate_masked_values_total") >= Value(before, "hoopgate_masked_values_total") + 7);
        Assert.True(Value(after, "hoopgate_authentication_failures_total") >= Value(before, "hoopgate_authentication_failures_total") + 1);
        Assert.True(Value(after, "hoopgate_statement_duration_seconds_count") > Value(before, "hoopgate_statement_duration_seconds_count"));
        Assert.Contains("hoopgate_audit_backlog_records", after, StringComparison.Ordinal);
        Assert.DoesNotContain("clinic.patients", after, StringComparison.Ordinal);

        // No secret either: neither the session's token nor any of the suite's passwords and keys (all "hgsecret-…").
        Assert.DoesNotContain(token, after, StringComparison.Ordinal);
        Assert.DoesNotContain("hgsecret-", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admins_list_sessions_and_terminate_one_and_nobody_else_may()
    {
        string subject = GatewayFixture.UniqueName("analyst");
        await using NpgsqlConnection analyst = await OpenAsync(_issuer.CreateToken(new DevelopmentTokenRequest { Subject = subject, Groups = ["analysts"] }));
        string admin = Token("admins");

        using (HttpResponseMessage anonymous = await _http.GetAsync("/sessions"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (HttpResponseMessage notAdmin = await SendAsync(HttpMethod.Get, "/sessions", Token("analysts")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        }

        using HttpResponseMessage list = await SendAsync(HttpMethod.Get, "/sessions", admin);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        using JsonDocument sessions = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        JsonElement session = sessions.RootElement.EnumerateArray().Single(s => s.GetProperty("subject").GetString() == subject);
        Assert.Equal(PostgresCluster.ClinicDatabase, session.GetProperty("database").GetString());
        long id = session.GetProperty("id").GetInt64();

        using (HttpResponseMessage refused = await SendAsync(HttpMethod.Post, "/sessions/" + id + "/terminate", Token("analysts")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (HttpResponseMessage terminated = await SendAsync(HttpMethod.Post, "/sessions/" + id + "/terminate", admin))
        {
            Assert.Equal(HttpStatusCode.OK, terminated.StatusCode);
        }

        // From the moment it is told to end, the session is no longer open: not listed, not terminated twice.
        using (HttpResponseMessage again = await SendAsync(HttpMethod.Post, "/sessions/" + id + "/terminate", admin))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        using (HttpResponseMessage after = await SendAsync(HttpMethod.Get, "/sessions", admin))
        {
            using JsonDocument remaining = JsonDocument.Parse(await after.Content.ReadAsStringAsync());
            Assert.DoesNotContain(remaining.RootElement.EnumerateArray(), s => s.GetProperty("id").GetInt64() == id);
        }

        await using var next = new NpgsqlCommand("SELECT 1", analyst);
        PostgresException ended = await Assert.ThrowsAsync<PostgresException>(() => next.ExecuteScalarAsync()).Within();
        Assert.Equal("57P01", ended.SqlState);
        using HttpResponseMessage gone = await SendAsync(HttpMethod.Post, "/sessions/" + id + "/terminate", admin);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private Task<GatewayInstance> StartAsync(int upstreamPort) => GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
    {
        ["HoopGate:Upstream:Port"] = upstreamPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["HoopGate:Authentication:Mode"] = "Oidc",
        ["HoopGate:Authentication:AllowPlaintextTokens"] = "true",
        ["HoopGate:Oidc:Issuers:0:Issuer"] = _issuer.Issuer,
        ["HoopGate:Oidc:Issuers:0:AllowHttp"] = "true",
        ["HoopGate:Oidc:Issuers:0:Audiences:0"] = "hoopgate",
        ["HoopGate:Grants:0:Group"] = "analysts",
        ["HoopGate:Grants:0:Databases:0"] = PostgresCluster.ClinicDatabase,
        ["HoopGate:Policy:Path"] = Path.Combine(AppContext.BaseDirectory, "config", "policy.yaml"),
        ["HoopGate:Admin:Enabled"] = "true",
        ["HoopGate:Admin:Port"] = "0",
    });

    private static HttpClient Client(GatewayInstance gateway) =>
        new() { BaseAddress = gateway.Services.GetRequiredService<AdminServer>().BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    private string Token(string group) => _issuer.CreateToken(new DevelopmentTokenRequest { Subject = GatewayFixture.UniqueName(group), Groups = [group] });

    private async Task<NpgsqlConnection> OpenAsync(string token)
    {
        NpgsqlConnectionStringBuilder builder = _gateway.ConnectionString(PostgresCluster.ClinicDatabase);
        builder.Password = token;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return connection;
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _http.SendAsync(request);
    }

    private static double Value(string metrics, string name)
    {
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException(name + " is not in the metrics:\n" + metrics);
    }
}
