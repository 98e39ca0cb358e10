using Npgsql;
using Xunit;

namespace HoopGate.Testing;

/// <summary>
/// A second PostgreSQL cluster holding the audit store (database <c>hoopgate_audit</c>, owned by hg_app), so that tests
/// can stop the store while the clients' server runs on.
/// </summary>
public sealed class AuditStoreFixture : IAsyncLifetime
{
    private PostgresCluster? _cluster;

    public PostgresCluster Cluster => _cluster ?? throw new InvalidOperationException("fixture not started");

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Cluster.Port,
        Database = "hoopgate_audit",
        Username = "hg_app",
        Password = PostgresCluster.RolePassword,
        SslMode = SslMode.Disable,
        Timeout = 5,
        Pooling = false,
    }.ConnectionString;

    public async Task InitializeAsync()
    {
        _cluster = await PostgresCluster.StartAsync();
        await _cluster.ExecuteAsync("CREATE DATABASE hoopgate_audit OWNER hg_app");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>Gateway settings for strict audit into this store, spooling in <paramref name="spoolDirectory"/>.</summary>
    public Dictionary<string, string?> Settings(string spoolDirectory) => new()
    {
        ["HoopGate:Audit:Mode"] = "Strict",
        ["HoopGate:Audit:ConnectionString"] = ConnectionString,
        ["HoopGate:Audit:SpoolDirectory"] = spoolDirectory,
        ["HoopGate:Audit:MigrateOnStart"] = "true",
        ["HoopGate:Audit:ShipIntervalMilliseconds"] = "50",
        ["HoopGate:Audit:ParameterKey"] = ParameterKey,
    };

    /// <summary>The key the tests' gateways hash parameters with (a test value, not a secret).</summary>
    public const string ParameterKey = "hgsecret-parameter-key-0123456789abcdef";

    /// <summary>A new, empty spool directory.</summary>
    public static string NewSpoolDirectory() => Path.Combine(Path.GetTempPath(), "hoopgate-spool-" + Guid.NewGuid().ToString("N"));

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
