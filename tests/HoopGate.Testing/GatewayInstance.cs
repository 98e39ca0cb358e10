using System.Net;
using HoopGate.Gateway.Listening;
using HoopGate.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace HoopGate.Testing;

/// <summary>An in-process gateway on a free port, built exactly as the executable builds it.</summary>
public sealed class GatewayInstance : IAsyncDisposable
{
    /// <summary>A client user of the static (test-only) authenticator.</summary>
    public const string User = "alice";

    /// <summary>Alice's password (test-only).</summary>
    public const string Password = "hgsecret-alice-password";

    /// <summary>A <c>pg_stat_activity</c> condition true for a server backend the gateway keeps for its caller's next session: reset, and waiting.</summary>
    public const string KeptBackendCondition = "state = 'idle' AND query = 'DISCARD ALL'";

    private readonly IHost _host;

    private GatewayInstance(IHost host)
    {
        _host = host;
        Listener = host.Services.GetRequiredService<GatewayListener>();
    }

    public GatewayListener Listener { get; }

    public int Port => Listener.LocalEndPoint!.Port;

    /// <summary>The gateway's services (its audit spool and shipper, for example).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The gateway's policy (to reload it, or to see which is in force).</summary>
    public HoopGate.Policy.PolicyProvider Policy => _host.Services.GetRequiredService<HoopGate.Policy.PolicyProvider>();

    public IPEndPoint EndPoint => Listener.LocalEndPoint!;

    /// <summary>Starts a gateway in front of <paramref name="cluster"/>; <paramref name="overrides"/> win over the defaults here.</summary>
    public static async Task<GatewayInstance> StartAsync(
        PostgresCluster cluster, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["HoopGate:Gateway:ListenAddress"] = "127.0.0.1",
            ["HoopGate:Gateway:Port"] = "0",
            ["HoopGate:Gateway:Tls:Required"] = "false",
            ["HoopGate:Gateway:Tls:CertificatePath"] = cluster.Certificates.ServerCertificatePath,
            ["HoopGate:Gateway:Tls:KeyPath"] = cluster.Certificates.ServerKeyPath,
            ["HoopGate:Gateway:ShutdownTimeoutSeconds"] = "5",
            ["HoopGate:Upstream:Host"] = "127.0.0.1",
            ["HoopGate:Upstream:Port"] = cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["HoopGate:Upstream:User"] = "hg_app",
            ["HoopGate:Upstream:Password"] = PostgresCluster.RolePassword,
            ["HoopGate:Upstream:SslMode"] = "Disable",
            ["HoopGate:Authentication:Mode"] = "Static",
            ["HoopGate:Authentication:Insecure"] = "true",
            ["HoopGate:Authentication:StaticUsers:0:Name"] = User,
            ["HoopGate:Authentication:StaticUsers:0:Password"] = Password,
            ["HoopGate:Policy:Path"] = TestPolicy.PermissivePath,
            ["HoopGate:Masking:PseudonymKey"] = "hgsecret-pseudonym-key-0123456789abcdef",
            ["HoopGate:Audit:Mode"] = "Strict",
            ["HoopGate:Audit:ConnectionString"] = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = cluster.Port,
                Database = "hg_audit",
                Username = "hg_app",
                Password = PostgresCluster.RolePassword,
                SslMode = SslMode.Disable,
                Timeout = 5,
            }.ConnectionString,
            ["HoopGate:Audit:SpoolDirectory"] = AuditStoreFixture.NewSpoolDirectory(),
            ["HoopGate:Audit:MigrateOnStart"] = "true",
            ["HoopGate:Audit:ShipIntervalMilliseconds"] = "50",
            ["HoopGate:Audit:ParameterKey"] = AuditStoreFixture.ParameterKey,
            ["HoopGate:Logging:Level"] = Environment.GetEnvironmentVariable("HOOPGATE_TEST_LOG_LEVEL") ?? "Warning",
        };
        if (overrides is not null)
        {
            foreach ((string key, string? value) in overrides)
            {
                settings[key] = value;
            }
        }

        HostApplicationBuilder builder = GatewayHost.CreateBuilder(null, settings);
        services?.Invoke(builder.Services);
        IHost host = builder.Build();
        await host.StartAsync();
        return new GatewayInstance(host);
    }

    /// <summary>An Npgsql connection string to this gateway as <see cref="User"/>.</summary>
    public NpgsqlConnectionStringBuilder ConnectionString(string database = "postgres") => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = User,
        Password = Password,
        Database = database,
        SslMode = SslMode.Disable,
        Pooling = false,
        Timeout = 15,
        CommandTimeout = 60,
    };

    public async Task<NpgsqlConnection> OpenAsync(string database = "postgres")
    {
        var connection = new NpgsqlConnection(ConnectionString(database).ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A libpq URI for psql and pgbench (the password goes through PGPASSWORD, never argv).</summary>
    public string Uri(string database = "postgres", string sslmode = "disable") =>
        "postgresql://" + User + "@127.0.0.1:" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + database + "?sslmode=" + sslmode;

    public Task StopAsync() => _host.StopAsync();

    /// <summary>
    /// Ships everything spooled so far into the audit store (retrying while the store comes back) and returns this
    /// instance's id; fails after 30 s.
    /// </summary>
    public async Task<Guid> DrainAuditAsync()
    {
        var spool = Services.GetRequiredService<HoopGate.Audit.AuditSpool>();
        var shipper = Services.GetRequiredService<HoopGate.Audit.AuditShipper>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await shipper.DrainAsync().Within();
                if (shipper.ShippedSequence >= spool.LastSequence)
                {
                    return spool.InstanceId;
                }
            }
            catch (NpgsqlException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                // The store is still starting.
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("the gateway's audit spool did not drain into the store within 30 s");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
