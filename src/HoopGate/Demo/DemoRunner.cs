using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HoopGate.Admin;
using HoopGate.Gateway.Listening;
using HoopGate.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HoopGate.Demo;

/// <summary>
/// <c>hoopgate demo</c>: everything on one machine, in one throwaway directory — a PostgreSQL cluster (the OS's
/// initdb/pg_ctl) with the sample clinic database and a separate audit database, the development OIDC issuer, and the
/// gateway with the shipped policy (plus an <c>admins</c> group) and its admin API. It prints commands to paste, writes
/// the configuration it runs (so <c>hoopgate approvals … --config</c> works against it), and removes everything on
/// Ctrl-C or SIGTERM. One demo at a time per machine: a second one says so.
/// </summary>
internal sealed class DemoRunner
{
    /// <summary>Group names by role, as the demo's grants and policy use them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Groups = new Dictionary<string, string>
    {
        ["analyst"] = "analysts",
        ["agent"] = "mcp-agents",
        ["approver"] = "approvers",
        ["auditor"] = "auditors",
        ["admin"] = "admins",
    };

    /// <summary>Who the development issuer's login page offers for the compliance console.</summary>
    private static readonly DevelopmentUser[] ConsoleUsers =
    [
        new("approver@demo.example", "Abe Approver", "approver@demo.example", [Groups["approver"]]),
        new("auditor@demo.example", "Audrey Auditor", "auditor@demo.example", [Groups["auditor"]]),
        new("admin@demo.example", "Ada Admin", "admin@demo.example", [Groups["admin"]]),
        new("analyst@demo.example", "Ana Analyst (no console role)", "analyst@demo.example", [Groups["analyst"]]),
    ];

    /// <summary>The compliance console's client id at the development issuer.</summary>
    private const string ConsoleClientId = "hoopgate-console";

    private const string Database = "clinic";
    private const string AuditDatabase = "hoopgate_audit";

    private readonly DemoOptions _options;
    private readonly TextWriter _out;

    public DemoRunner(DemoOptions options, TextWriter output)
    {
        _options = options;
        _out = output;
    }

    /// <summary>Runs the demo until <paramref name="stopping"/>; returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stopping)
    {
        string lockPath = Path.Combine(Path.GetTempPath(), "hoopgate-demo.lock");
        FileStream? demoLock = TryLock(lockPath);
        if (demoLock is null)
        {
            string owner = File.Exists(lockPath + ".pid") ? File.ReadAllText(lockPath + ".pid").Trim() : "?";
            await Console.Error.WriteLineAsync("hoopgate: a HoopGate demo is already running (process " + owner + "); stop it first (Ctrl-C in its terminal, or kill " + owner + ")");
            return 1;
        }

        string directory = Path.Combine(Path.GetTempPath(), "hoopgate-demo-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant());
        await using (demoLock)
        {
            await File.WriteAllTextAsync(lockPath + ".pid", Environment.ProcessId + "\n", CancellationToken.None);
            Directory.CreateDirectory(directory);

            // The server runs as postgres (when the demo runs as root) and must pass through; secrets stay the owner's.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }

            EmbeddedPostgres? cluster = null;
            DevelopmentIssuer? issuer = null;
            IHost? gateway = null;
            try
            {
                await _out.WriteLineAsync("Starting the HoopGate demo in " + directory + " …");
                cluster = await EmbeddedPostgres.StartAsync(Path.Combine(directory, "postgres"), FreePort(), stopping);
                Secrets secrets = await PrepareDatabasesAsync(cluster, directory, stopping);
                issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions { KeyFile = Path.Combine(directory, "issuer.key"), Users = ConsoleUsers }, stopping);
                string config = await WriteConfigurationAsync(directory, cluster, issuer, secrets);

                gateway = GatewayHost.CreateBuilder(config).Build();
                try
                {
                    await gateway.StartAsync(stopping);
                }
                catch (Exception ex) when (ex is SocketException || ex.InnerException is SocketException)
                {
                    await Console.Error.WriteLineAsync("hoopgate: a demo port is in use (" + (ex.InnerException ?? ex).Message + "): pick others with --port and --admin-port");
                    return 1;
                }

                var endPoint = gateway.Services.GetRequiredService<GatewayListener>().LocalEndPoint!;
                Uri admin = gateway.Services.GetRequiredService<AdminServer>().BaseAddress!;
                await PrintAsync(directory, config, cluster, issuer, endPoint.Port, admin);
                if (_options.InfoFile is { } infoFile)
                {
                    await WriteInfoAsync(infoFile, cluster, issuer, endPoint.Port, admin, directory, config);
                }

                try
                {
                    await Task.Delay(Timeout.Infinite, stopping);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C or SIGTERM.
                }

                await _out.WriteLineAsync("Stopping the demo and removing " + directory + " …");
                return 0;
            }
            catch (InvalidOperationException ex) when (!stopping.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("hoopgate: the demo could not start: " + ex.Message);
                return 1;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return 0;
            }
            finally
            {
                if (gateway is not null)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    await gateway.StopAsync(timeout.Token);
                    gateway.Dispose();
                }

                if (issuer is not null)
                {
                    await issuer.DisposeAsync();
                }

                if (cluster is not null)
                {
                    await cluster.DisposeAsync();
                }

                TryDelete(directory);
                if (_options.InfoFile is { } info)
                {
                    TryDelete(info);
                }

                TryDelete(lockPath + ".pid");
            }
        }
    }

    private async Task<Secrets> PrepareDatabasesAsync(EmbeddedPostgres cluster, string directory, CancellationToken cancellationToken)
    {
        var secrets = new Secrets(Path.Combine(directory, "secrets"));
        string gatewayPassword = secrets.Write("hoopgate");
        string readerPassword = secrets.Write("clinic_reader");
        await cluster.ExecuteAsync(
            "CREATE ROLE hoopgate LOGIN PASSWORD '" + gatewayPassword + "'; CREATE ROLE clinic_reader LOGIN PASSWORD '" + readerPassword + "'; "
            + "GRANT pg_read_all_stats TO hoopgate",
            "postgres",
            cancellationToken);
        await cluster.ExecuteAsync("CREATE DATABASE " + Database + " OWNER hoopgate", "postgres", cancellationToken);
        await cluster.ExecuteAsync("CREATE DATABASE " + AuditDatabase + " OWNER hoopgate", "postgres", cancellationToken);

        await _out.WriteLineAsync("Loading " + _options.Patients + " fictitious patients into database " + Database + " …");
        await cluster.ExecuteAsync("SET ROLE hoopgate; " + SampleData.Script(_options.Patients), Database, cancellationToken);
        await cluster.ExecuteAsync("GRANT USAGE ON SCHEMA clinic TO clinic_reader; GRANT SELECT ON ALL TABLES IN SCHEMA clinic TO clinic_reader", Database, cancellationToken);
        secrets.Write("audit-parameter-key");
        secrets.Write("pseudonym-key");
        return secrets;
    }

    private async Task<string> WriteConfigurationAsync(string directory, EmbeddedPostgres cluster, DevelopmentIssuer issuer, Secrets secrets)
    {
        // The shipped policy, with a group for the demo's administrators (their destructive statements wait for an approver).
        string shipped = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "config", "policy.yaml"));
        const string GroupsKey = "\ngroups:\n";
        int groups = shipped.IndexOf(GroupsKey, StringComparison.Ordinal);
        if (groups < 0)
        {
            throw new InvalidOperationException("the shipped config/policy.yaml has no groups: section to add the demo's admins to");
        }

        string policy = shipped.Insert(
            groups + GroupsKey.Length,
            "  # Added by hoopgate demo: administrators may do anything, within the guardrails below.\n"
            + "  admins:\n    statements: [all]\n    read: [\"*.*\"]\n    write: [\"*.*\"]\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "policy.yaml"), policy);

        var settings = new Dictionary<string, object>
        {
            ["Gateway"] = new { ListenAddress = "127.0.0.1", Port = _options.Port, Tls = new { Required = false }, ShutdownTimeoutSeconds = 5 },
            ["Upstream"] = new
            {
                Host = "127.0.0.1",
                cluster.Port,
                User = "hoopgate",
                PasswordFile = secrets.PathOf("hoopgate"),
                SslMode = "Disable",
                Roles = new Dictionary<string, object> { ["clinic_reader"] = new { User = "clinic_reader", PasswordFile = secrets.PathOf("clinic_reader") } },
            },
            ["Authentication"] = new { Mode = "Oidc", AllowPlaintextTokens = true },
            ["Oidc"] = new { Issuers = new[] { new { issuer.Issuer, AllowHttp = true, Audiences = new[] { "hoopgate" } } } },
            ["Grants"] = new object[]
            {
                new { Group = Groups["analyst"], Databases = new[] { Database }, UpstreamRole = "clinic_reader" },
                new { Group = Groups["agent"], Databases = new[] { Database }, UpstreamRole = "clinic_reader", MaxSessionMinutes = 60 },
                new { Group = Groups["approver"], Databases = new[] { Database }, UpstreamRole = "clinic_reader" },
                new { Group = Groups["admin"], Databases = new[] { Database, "postgres" } },
            },
            ["Audit"] = new
            {
                Mode = "Strict",
                ConnectionString = "Host=127.0.0.1;Port=" + cluster.Port + ";Database=" + AuditDatabase + ";Username=hoopgate;SSL Mode=Disable",
                PasswordFile = secrets.PathOf("hoopgate"),
                SpoolDirectory = Path.Combine(directory, "spool"),
                MigrateOnStart = true,
                ParameterKeyFile = secrets.PathOf("audit-parameter-key"),
            },
            ["Masking"] = new { PseudonymKeyFile = secrets.PathOf("pseudonym-key") },
            ["Approvals"] = new { ApproverGroups = new[] { Groups["approver"] } },
            ["Admin"] = new { Enabled = true, ListenAddress = "127.0.0.1", Port = _options.AdminPort, Console = new { Enabled = true, ClientId = ConsoleClientId } },
            ["Policy"] = new { Path = "policy.yaml" },
            ["Logging"] = new { Level = "Warning" },
        };
        string config = Path.Combine(directory, "hoopgate.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object> { ["HoopGate"] = settings }, s_json));
        return config;
    }

    private async Task PrintAsync(string directory, string config, EmbeddedPostgres cluster, DevelopmentIssuer issuer, int port, Uri admin)
    {
        string hoopgate = Environment.ProcessPath ?? "hoopgate";
        string keyFile = Path.Combine(directory, "issuer.key");
        string Token(string subject, string role, string extra = "") =>
            "\"$(" + hoopgate + " dev-token --issuer " + issuer.Issuer + " --key-file " + keyFile + " --sub " + subject + " --groups " + Groups[role] + extra + " 2>/dev/null)\"";
        string Psql(string user) => "psql \"postgresql://" + user + "@127.0.0.1:" + port + "/" + Database + "?sslmode=disable\"";

        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("HoopGate demo is running. Ctrl-C stops it and removes everything.");
        text.AppendLine();
        text.AppendLine("  gateway      127.0.0.1:" + port + "  (database " + Database + "; an OIDC token is the password)");
        text.AppendLine("  admin API    " + admin.ToString().TrimEnd('/'));
        text.AppendLine("  console      " + admin.ToString().TrimEnd('/') + "/console  (sign in as the approver, auditor or admin on the issuer's page)");
        text.AppendLine("  OIDC issuer  " + issuer.Issuer + "  (development only; tokens: hoopgate dev-token)");
        text.AppendLine("  config       " + config);
        text.AppendLine();
        text.AppendLine("An analyst: protected columns come back masked.");
        text.AppendLine("  PGPASSWORD=" + Token("analyst@demo.example", "analyst", " --email analyst@demo.example") + " \\");
        text.AppendLine("    " + Psql("analyst") + " -c \"SELECT id, full_name, ssn, dob, email, diagnosis FROM clinic.patients LIMIT 5\"");
        text.AppendLine();
        text.AppendLine("An MCP agent (machine identity) through @modelcontextprotocol/server-postgres:");
        text.AppendLine("  TOKEN=" + Token("clinic-agent", "agent", " --client-id clinic-agent --ttl 1h"));
        text.AppendLine("  npx -y @modelcontextprotocol/server-postgres \"postgresql://clinic-agent:$TOKEN@127.0.0.1:" + port + "/" + Database + "?sslmode=disable\"");
        text.AppendLine("  MCP client configuration (paste the token for <TOKEN>):");
        text.AppendLine("  {\"mcpServers\": {\"clinic\": {\"command\": \"npx\", \"args\": [\"-y\", \"@modelcontextprotocol/server-postgres\", \"postgresql://clinic-agent:<TOKEN>@127.0.0.1:"
            + port + "/" + Database + "?sslmode=disable\"]}}}");
        text.AppendLine();
        text.AppendLine("An admin whose destructive statement waits for a second person:");
        text.AppendLine("  PGPASSWORD=" + Token("admin@demo.example", "admin", " --email admin@demo.example") + " \\");
        text.AppendLine("    " + Psql("admin") + " -c \"/* justification: demo clean-up */ TRUNCATE clinic.billing\"");
        text.AppendLine();
        text.AppendLine("An approver, in another terminal:");
        text.AppendLine("  export HOOPGATE_TOKEN=" + Token("approver@demo.example", "approver", " --email approver@demo.example"));
        text.AppendLine("  " + hoopgate + " approvals list --config " + config);
        text.AppendLine("  " + hoopgate + " approvals approve <id> --config " + config + " --comment \"ok for the demo\"");
        text.AppendLine("  (or over HTTP: curl -H \"Authorization: Bearer $HOOPGATE_TOKEN\" " + admin.ToString().TrimEnd('/') + "/approvals)");
        text.AppendLine("  (or in a browser: " + admin.ToString().TrimEnd('/') + "/console, signed in as Abe Approver)");
        text.AppendLine();
        text.AppendLine("Compliance: the audit trail of everything above.");
        text.AppendLine("  psql \"" + cluster.Uri(AuditDatabase) + "\" \\");
        text.AppendLine("    -c \"SELECT started_at, subject, decision, rows, masked_columns, left(sql, 60) AS sql FROM hoopgate_audit.statements ORDER BY started_at DESC LIMIT 20\"");
        await _out.WriteAsync(text.ToString());
        await _out.FlushAsync();
    }

    private static async Task WriteInfoAsync(string path, EmbeddedPostgres cluster, DevelopmentIssuer issuer, int port, Uri admin, string directory, string config)
    {
        var info = new Dictionary<string, object>
        {
            ["gateway_host"] = "127.0.0.1",
            ["gateway_port"] = port,
            ["database"] = Database,
            ["issuer_url"] = issuer.Issuer,
            ["issuer_key_file"] = Path.Combine(directory, "issuer.key"),
            ["admin_url"] = admin.ToString().TrimEnd('/'),
            ["console_url"] = admin.ToString().TrimEnd('/') + "/console",
            ["upstream_connection"] = cluster.Uri(Database),
            ["audit_connection"] = cluster.Uri(AuditDatabase),
            ["config_file"] = config,
            ["groups"] = Groups,
        };

        // Written whole, then renamed: a script waiting for the file never reads half of it.
        string temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(info, s_json));
        File.Move(temporary, path, overwrite: true);
    }

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    private static FileStream? TryLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("hoopgate: could not remove " + path + ": " + ex.Message);
        }
    }

    /// <summary>Random secrets in files of mode 0600, which the configuration names (never the values themselves).</summary>
    private sealed class Secrets
    {
        private readonly string _directory;

        public Secrets(string directory)
        {
            _directory = directory;
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        public string PathOf(string name) => Path.Combine(_directory, name);

        public string Write(string name)
        {
            string value = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            File.WriteAllText(PathOf(name), value + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(PathOf(name), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return value;
        }
    }
}
