using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace HoopGate.Testing;

/// <summary>
/// The one shared fixture: a real PostgreSQL cluster and a gateway in front of it, started once per test
/// collection. Tests create uniquely named objects (<see cref="UniqueName"/>) so they can share both.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private PostgresCluster? _cluster;
    private GatewayInstance? _gateway;

    public PostgresCluster Cluster => _cluster ?? throw new InvalidOperationException("fixture not started");

    public GatewayInstance Gateway => _gateway ?? throw new InvalidOperationException("fixture not started");

    /// <summary>
    /// After a whole collection of tests: everything the shared gateway spooled reaches the store and its hash chain
    /// verifies — the audit trail held up under every test's traffic.
    /// </summary>
    private async Task VerifyAuditTrailAsync(GatewayInstance gateway)
    {
        var spool = gateway.Services.GetRequiredService<HoopGate.Audit.AuditSpool>();
        await gateway.DrainAuditAsync();

        var builder = new NpgsqlConnectionStringBuilder(Cluster.SuperuserConnectionString) { Database = "hg_audit" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        HoopGate.Audit.AuditVerification verification = await HoopGate.Audit.AuditVerifier.VerifyAsync(connection, instance: spool.InstanceId);
        if (!verification.Intact || verification.Records < spool.LastSequence)
        {
            throw new InvalidOperationException(
                "the shared gateway's audit trail does not verify: " + (verification.Problem ?? verification.Records + " of " + spool.LastSequence + " records"));
        }
    }

    public static string UniqueName(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..10];

    public async Task InitializeAsync()
    {
        _cluster = await PostgresCluster.StartAsync();
        await _cluster.ExecuteAsync("CREATE DATABASE hg_test OWNER hg_app");
        _gateway = await GatewayInstance.StartAsync(_cluster);
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await VerifyAuditTrailAsync(_gateway);
            await _gateway.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
