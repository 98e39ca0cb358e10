using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace HoopGate.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster started with the OS's initdb/pg_ctl (as the postgres user when the tests run
/// as root), listening on 127.0.0.1 on a free port with TLS and scram-sha-256, and roles for every
/// authentication method the gateway speaks upstream.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    /// <summary>The superuser's password (test-only).</summary>
    public const string SuperuserPassword = "hgsecret-superuser-password";

    /// <summary>The password of every test role (test-only).</summary>
    public const string RolePassword = "hgsecret-role-password";

    private PostgresCluster(string directory, string binDirectory, int port, TestCertificates certificates)
    {
        Directory = directory;
        BinDirectory = binDirectory;
        Port = port;
        Certificates = certificates;
    }

    public string Directory { get; }

    public string BinDirectory { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public int Port { get; }

    public TestCertificates Certificates { get; }

    /// <summary>The superuser, over TCP, without the gateway.</summary>
    public string SuperuserConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Password = SuperuserPassword,
        Database = "postgres",
        SslMode = SslMode.Disable,
        Pooling = false,
    }.ConnectionString;

    public static async Task<PostgresCluster> StartAsync()
    {
        string binDirectory = FindBinDirectory();
        string directory = Path.Combine(Path.GetTempPath(), "hoopgate-pg-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        int port = FreePort();
        var certificates = TestCertificates.Create(directory);
        var cluster = new PostgresCluster(directory, binDirectory, port, certificates);
        await cluster.InitializeAsync();
        return cluster;
    }

    /// <summary>A free TCP port on 127.0.0.1 (bound once, then released).</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public Task StopAsync() => PgCtlAsync("stop", "-m", "fast");

    public Task StartAgainAsync() => PgCtlAsync("start", "-l", Path.Combine(Directory, "postgres.log"));

    /// <summary>Restarts the server (every session on it ends with FATAL 57P01).</summary>
    public Task RestartAsync() => PgCtlAsync("restart", "-m", "fast", "-l", Path.Combine(Directory, "postgres.log"));

    public async Task<int> ExecuteAsync(string sql, string database = "postgres")
    {
        var builder = new NpgsqlConnectionStringBuilder(SuperuserConnectionString) { Database = database };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Where a cluster dumps all its databases before it stops, when set (tests/hygiene/run.sh searches the dumps,
    /// audit stores included, for the suite's secrets).
    /// </summary>
    public const string DumpDirectoryVariable = "HOOPGATE_TEST_DUMP_DIRECTORY";

    public async ValueTask DisposeAsync()
    {
        if (Environment.GetEnvironmentVariable(DumpDirectoryVariable) is { Length: > 0 } dumps)
        {
            System.IO.Directory.CreateDirectory(dumps);
            ProcessRunner.Result dump = await ProcessRunner.RunAsync(
                Path.Combine(BinDirectory, "pg_dumpall"),
                ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-f", Path.Combine(dumps, "cluster-" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".sql")],
                TimeSpan.FromMinutes(2),
                new Dictionary<string, string> { ["PGPASSWORD"] = SuperuserPassword });
            if (dump.ExitCode != 0)
            {
                await File.WriteAllTextAsync(Path.Combine(dumps, "cluster-" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".failed"), dump.Combined);
            }
        }

        try
        {
            await PgCtlAsync("stop", "-m", "immediate");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task InitializeAsync()
    {
        string passwordFile = Path.Combine(Directory, "pwfile");
        await File.WriteAllTextAsync(passwordFile, SuperuserPassword + "\n");
        if (ProcessRunner.IsRoot)
        {
            await Run("chown", ["-R", "postgres:postgres", Directory], asPostgres: false);
        }

        await Run(Path.Combine(BinDirectory, "initdb"), ["-D", DataDirectory, "-U", "postgres", "--pwfile", passwordFile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C"], asPostgres: true);
        string keyInData = Path.Combine(DataDirectory, "server.key");
        string certInData = Path.Combine(DataDirectory, "server.crt");
        File.Copy(Certificates.ServerCertificatePath, certInData);
        File.Copy(Certificates.ServerKeyPath, keyInData);
        File.SetUnixFileMode(keyInData, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (ProcessRunner.IsRoot)
        {
            await Run("chown", ["postgres:postgres", keyInData, certInData], asPostgres: false);
        }

        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), $"""

            listen_addresses = '127.0.0.1'
            port = {Port}
            unix_socket_directories = '{Directory}'
            max_connections = 300
            ssl = on
            ssl_cert_file = 'server.crt'
            ssl_key_file = 'server.key'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            shared_buffers = 128MB
            password_encryption = 'scram-sha-256'
            log_min_messages = warning
            """);

        // Each upstream authentication method the gateway speaks gets a role of its own.
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "pg_hba.conf"), """
            local   all  all                      trust
            host    all  hg_md5      127.0.0.1/32 md5
            host    all  hg_password 127.0.0.1/32 password
            host    all  hg_trust    127.0.0.1/32 trust
            hostssl all  hg_tlsonly  127.0.0.1/32 scram-sha-256
            host    all  hg_tlsonly  127.0.0.1/32 reject
            host    all  all         127.0.0.1/32 scram-sha-256
            """);
        await PgCtlAsync("start", "-l", Path.Combine(Directory, "postgres.log"));

        await ExecuteAsync($"""
            CREATE ROLE hg_app LOGIN PASSWORD '{RolePassword}';
            CREATE ROLE hg_tlsonly LOGIN PASSWORD '{RolePassword}';
            CREATE ROLE hg_password LOGIN PASSWORD '{RolePassword}';
            CREATE ROLE hg_trust LOGIN;
            SET password_encryption = 'md5';
            CREATE ROLE hg_md5 LOGIN PASSWORD '{RolePassword}';
            GRANT pg_signal_backend TO hg_app;
            """);

        // Every test gateway audits into this database (strict mode), so the whole suite runs with the audit trail on.
        await ExecuteAsync("CREATE DATABASE hg_audit OWNER hg_app");

        // The sample clinic data (small), which masking tests read; the gateway's role may read it.
        await ExecuteAsync("CREATE DATABASE " + ClinicDatabase);
        await ExecuteAsync(HoopGate.Demo.SampleData.Script(ClinicPatients), ClinicDatabase);
        await ExecuteAsync("GRANT USAGE ON SCHEMA clinic TO hg_app; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA clinic TO hg_app", ClinicDatabase);
    }

    /// <summary>The database holding the sample clinic schema.</summary>
    public const string ClinicDatabase = "clinic";

    /// <summary>How many patients it holds.</summary>
    public const int ClinicPatients = 200;

    private async Task PgCtlAsync(params string[] arguments)
    {
        string[] all = [.. arguments.Take(1), "-D", DataDirectory, "-w", "-t", "60", .. arguments.Skip(1)];
        await Run(Path.Combine(BinDirectory, "pg_ctl"), all, asPostgres: true);
    }

    private static async Task Run(string program, string[] arguments, bool asPostgres)
    {
        ProcessRunner.Result result = await ProcessRunner.RunAsync(program, arguments, TimeSpan.FromMinutes(2), asPostgresUser: asPostgres);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                program + " " + string.Join(' ', arguments) + " failed with exit code " + result.ExitCode + ":\n" + result.Combined
                + "\nTo fix: install the server with `apt-get install -y postgresql-15` (tests/run.sh does this), or point HOOPGATE_TEST_PG_BIN at a PostgreSQL bin directory.");
        }
    }

    private static string FindBinDirectory()
    {
        string? configured = Environment.GetEnvironmentVariable("HOOPGATE_TEST_PG_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        foreach (string version in new[] { "17", "16", "15", "14" })
        {
            string candidate = "/usr/lib/postgresql/" + version + "/bin";
            if (File.Exists(Path.Combine(candidate, "initdb")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "No PostgreSQL server binaries found under /usr/lib/postgresql/*/bin. Install them with `apt-get install -y postgresql-15` (tests/run.sh does this), or set HOOPGATE_TEST_PG_BIN.");
    }
}
