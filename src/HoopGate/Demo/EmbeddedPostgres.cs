using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;

namespace HoopGate.Demo;

/// <summary>
/// A throwaway PostgreSQL cluster for the demo, made with the OS's own initdb and pg_ctl (Debian's postgresql package)
/// in a directory of its own: 127.0.0.1 only, scram-sha-256, a random superuser password. As root, the server's
/// programs run as the <c>postgres</c> user (PostgreSQL refuses to run as root).
/// </summary>
internal sealed class EmbeddedPostgres : IAsyncDisposable
{
    private readonly string _binDirectory;
    private bool _running;

    private EmbeddedPostgres(string directory, string binDirectory, int port, string password)
    {
        Directory = directory;
        _binDirectory = binDirectory;
        Port = port;
        SuperuserPassword = password;
    }

    /// <summary>The cluster's directory (data and socket).</summary>
    public string Directory { get; }

    public int Port { get; }

    /// <summary>The <c>postgres</c> superuser's password.</summary>
    public string SuperuserPassword { get; }

    /// <summary>A libpq URI for the superuser on <paramref name="database"/> (the operator's way in).</summary>
    public string Uri(string database) =>
        "postgresql://postgres:" + System.Uri.EscapeDataString(SuperuserPassword) + "@127.0.0.1:" + Port + "/" + database + "?sslmode=disable";

    /// <summary>Creates and starts a cluster in <paramref name="directory"/> (which must not exist yet).</summary>
    /// <exception cref="InvalidOperationException">No PostgreSQL server binaries, or initdb/pg_ctl failed.</exception>
    public static async Task<EmbeddedPostgres> StartAsync(string directory, int port, CancellationToken cancellationToken)
    {
        string bin = FindBinDirectory();
        string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var cluster = new EmbeddedPostgres(directory, bin, port, password);
        try
        {
            await cluster.InitializeAsync(cancellationToken);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Runs SQL as the superuser.</summary>
    public async Task ExecuteAsync(string sql, string database, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Password = SuperuserPassword,
            Database = database,
            SslMode = SslMode.Disable,
            Pooling = false,
            CommandTimeout = 300,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stops the server and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            _running = false;
            try
            {
                await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"], CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // Already gone; the directory goes anyway.
            }
        }
    }

    private string DataDirectory => Path.Combine(Directory, "data");

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string passwordFile = Path.Combine(Directory, "superuser-password");
        await File.WriteAllTextAsync(passwordFile, SuperuserPassword + "\n", cancellationToken);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", Directory], cancellationToken, asPostgres: false);
        }

        await RunAsync(
            Path.Combine(_binDirectory, "initdb"),
            ["-D", DataDirectory, "-U", "postgres", "--pwfile", passwordFile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C"],
            cancellationToken);
        File.Delete(passwordFile);
        await AppendAsync(Path.Combine(DataDirectory, "postgresql.conf"), $"""

            listen_addresses = '127.0.0.1'
            port = {Port}
            unix_socket_directories = '{Directory}'
            max_connections = 100
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            password_encryption = 'scram-sha-256'
            log_min_messages = warning
            """, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "pg_hba.conf"), """
            local all all                trust
            host  all all 127.0.0.1/32   scram-sha-256
            """, cancellationToken);
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(Directory, "postgres.log")], cancellationToken);
        _running = true;
    }

    private static async Task AppendAsync(string path, string text, CancellationToken cancellationToken)
    {
        // As root the file belongs to postgres; appending keeps its owner.
        await File.AppendAllTextAsync(path, text, cancellationToken);
    }

    private static async Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken, bool asPostgres = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (string prefix in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(prefix);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + program);
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException(Path.GetFileName(program) + " did not finish in time");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(Path.GetFileName(program) + " failed (exit code " + process.ExitCode + "): " + (await errors + await output).Trim());
        }
    }

    private static string FindBinDirectory()
    {
        foreach (string version in new[] { "17", "16", "15", "14" })
        {
            string candidate = "/usr/lib/postgresql/" + version + "/bin";
            if (File.Exists(Path.Combine(candidate, "initdb")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "the demo runs its own PostgreSQL and found no server binaries under /usr/lib/postgresql/*/bin: install them with `apt-get install -y postgresql-15` (demo.sh does this)");
    }
}
