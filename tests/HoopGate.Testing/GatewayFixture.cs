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
            await _gateway.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
