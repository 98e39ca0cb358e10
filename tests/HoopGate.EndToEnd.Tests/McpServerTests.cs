using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using HoopGate.Demo;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// The real MCP server agents use, <c>@modelcontextprotocol/server-postgres</c> (from npm, run by node over stdio), pointed
/// at the gateway with a machine identity's token under the shipped policy: what its <c>query</c> tool returns is
/// masked, writes are refused, and every call is in the audit trail under the agent's identity.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class McpServerTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Package = "@modelcontextprotocol/server-postgres@0.6.2";

    private DevelopmentIssuer _issuer = null!;
    private GatewayInstance _gateway = null!;

    public async Task InitializeAsync()
    {
        _issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).Within();
        _gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Authentication:Mode"] = "Oidc",
            ["HoopGate:Authentication:AllowPlaintextTokens"] = "true",
            ["HoopGate:Oidc:Issuers:0:Issuer"] = _issuer.Issuer,
            ["HoopGate:Oidc:Issuers:0:AllowHttp"] = "true",
            ["HoopGate:Oidc:Issuers:0:Audiences:0"] = "hoopgate",
            ["HoopGate:Grants:0:Group"] = "mcp-agents",
            ["HoopGate:Grants:0:Databases:0"] = PostgresCluster.ClinicDatabase,
            ["HoopGate:Policy:Path"] = Path.Combine(AppContext.BaseDirectory, "config", "policy.yaml"),
        }).Within();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Fact]
    public async Task The_npm_postgres_mcp_server_gets_masked_rows_is_refused_writes_and_is_audited_as_the_agent()
    {
        string agent = GatewayFixture.UniqueName("clinic-agent");
        string token = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = agent, ClientId = agent, Groups = ["mcp-agents"], Lifetime = TimeSpan.FromMinutes(30) });
        string server = await InstallServerAsync();
        List<string> rawSsns = await RawSsnsAsync();

        await using var mcp = await McpClient.StartAsync(
            server, "postgresql://" + agent + "@127.0.0.1:" + _gateway.Port + "/" + PostgresCluster.ClinicDatabase + "?sslmode=disable", token);
        JsonNode tools = await mcp.CallAsync("tools/list", new JsonObject());
        Assert.Contains("query", tools["tools"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));

        JsonNode read = await mcp.CallAsync("tools/call", new JsonObject
        {
            ["name"] = "query",
            ["arguments"] = new JsonObject { ["sql"] = "SELECT id, ssn, email, diagnosis FROM clinic.patients ORDER BY id LIMIT 5" },
        });
        string rows = read["content"]![0]!["text"]!.GetValue<string>();
        JsonArray parsed = JsonNode.Parse(rows)!.AsArray();
        Assert.Equal(5, parsed.Count);
        Assert.All(parsed, row => Assert.StartsWith("***-**-", row!["ssn"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.DoesNotContain(rawSsns, ssn => rows.Contains(ssn, StringComparison.Ordinal));

        JsonNode write = await mcp.CallAsync("tools/call", new JsonObject
        {
            ["name"] = "query",
            ["arguments"] = new JsonObject { ["sql"] = "INSERT INTO clinic.visits (id, patient_id, visit_at, notes) VALUES (-5, 1, now(), 'x')" },
        }, allowError: true);
        Assert.Contains("permission denied by policy", write.ToJsonString(), StringComparison.Ordinal);

        await _gateway.DrainAuditAsync();
        await using var audit = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_audit" }.ConnectionString);
        await audit.OpenAsync();
        await using var statements = new NpgsqlCommand(
            "SELECT decision, sql FROM hoopgate_audit.statements WHERE subject = $1 AND (sql LIKE 'SELECT id, ssn%' OR sql LIKE 'INSERT INTO clinic.visits%') ORDER BY started_at", audit);
        statements.Parameters.AddWithValue(agent);
        var recorded = new List<(string Decision, string Sql)>();
        await using (NpgsqlDataReader reader = await statements.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                recorded.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        Assert.Equal(["allow", "deny"], recorded.Select(r => r.Decision).ToArray());
    }

    private async Task<List<string>> RawSsnsAsync()
    {
        await using var direct = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = PostgresCluster.ClinicDatabase }.ConnectionString);
        await direct.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ssn FROM clinic.patients ORDER BY id LIMIT 5", direct);
        var ssns = new List<string>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ssns.Add(reader.GetString(0));
        }

        return ssns;
    }

    /// <summary>The MCP server from npm, installed once per machine into a cache directory (npm must be on PATH).</summary>
    private static async Task<string> InstallServerAsync()
    {
        string directory = Path.Combine(Path.GetTempPath(), "hoopgate-mcp-server-postgres-0.6.2");
        string entry = Path.Combine(directory, "node_modules", "@modelcontextprotocol", "server-postgres", "dist", "index.js");
        if (!File.Exists(entry))
        {
            Directory.CreateDirectory(directory);
            ProcessRunner.Result install = await ProcessRunner.RunAsync(
                "npm", ["install", "--prefix", directory, "--no-audit", "--no-fund", Package], TimeSpan.FromMinutes(3)).Within(TimeSpan.FromMinutes(4));
            Assert.True(install.ExitCode == 0 && File.Exists(entry), "npm install " + Package + " failed (tests/run.sh installs node and npm): " + install.Combined);
        }

        return entry;
    }

    /// <summary>JSON-RPC 2.0 over the server's stdin/stdout, one message per line, as MCP's stdio transport is.</summary>
    private sealed class McpClient : IAsyncDisposable
    {
        private readonly Process _process;
        private int _nextId;

        private McpClient(Process process)
        {
            _process = process;
        }

        public static async Task<McpClient> StartAsync(string entry, string connection, string token)
        {
            var start = new ProcessStartInfo("node")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(entry);
            start.ArgumentList.Add(connection);

            // node-postgres takes the password from PGPASSWORD when the URL has none: the token never sits in argv.
            start.Environment["PGPASSWORD"] = token;
            var client = new McpClient(Process.Start(start)!);
            _ = client._process.StandardError.ReadToEndAsync();
            await client.CallAsync("initialize", new JsonObject
            {
                ["protocolVersion"] = "2024-11-05",
                ["capabilities"] = new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "hoopgate-tests", ["version"] = "1" },
            });
            await client.SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });
            return client;
        }

        public async Task<JsonNode> CallAsync(string method, JsonObject parameters, bool allowError = false)
        {
            int id = ++_nextId;
            await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
            while (true)
            {
                string? line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                if (line is null)
                {
                    throw new InvalidOperationException("the MCP server exited (code " + (_process.HasExited ? _process.ExitCode : -1) + ")");
                }

                JsonNode? message = JsonNode.Parse(line);
                if (message?["id"]?.GetValue<int>() != id)
                {
                    continue;
                }

                if (message["error"] is { } error)
                {
                    return allowError ? error : throw new InvalidOperationException(method + " failed: " + error.ToJsonString());
                }

                JsonNode result = message["result"]!;
                if (!allowError && result["isError"]?.GetValue<bool>() == true)
                {
                    throw new InvalidOperationException(method + " returned an error: " + result.ToJsonString());
                }

                return result;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                _process.StandardInput.Close();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        private async Task SendAsync(JsonObject message)
        {
            await _process.StandardInput.WriteLineAsync(message.ToJsonString());
            await _process.StandardInput.FlushAsync();
        }
    }
}
