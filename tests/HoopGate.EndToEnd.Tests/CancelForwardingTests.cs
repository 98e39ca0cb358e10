using System.Globalization;
using HoopGate.Protocol.Backend;
using HoopGate.Testing;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Several gateway instances behind one address: a CancelRequest that lands on the wrong instance is forwarded
/// to the instance whose id is in the cancel key's top byte.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class CancelForwardingTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Guessed_cancel_keys_are_answered_ever_more_slowly_while_the_right_key_still_cancels()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster).Within();
        await using RawClient client = await RawClient.ConnectAsync(gateway.EndPoint, GatewayInstance.User, GatewayInstance.Password).Within();
        BackendKeyData key = client.KeyData;

        // The pid is easy to learn (pg_stat_activity); the secret has to be guessed. Three misses are free, then each waits twice as long.
        var durations = new List<TimeSpan>();
        for (int guess = 1; guess <= 6; guess++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await RawClient.SendCancelAsync(gateway.EndPoint, new BackendKeyData(key.ProcessId, key.SecretKey ^ guess)).Within();
            durations.Add(clock.Elapsed);
        }

        Assert.True(durations[4] >= TimeSpan.FromMilliseconds(180), "the fifth wrong key was answered after " + durations[4]);
        Assert.True(durations[5] >= TimeSpan.FromMilliseconds(380), "the sixth wrong key was answered after " + durations[5]);

        await client.SendQueryAsync("SELECT pg_sleep(30)").Within();
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, key.ProcessId, "pg_sleep(30)").Within();
        await RawClient.SendCancelAsync(gateway.EndPoint, key).Within();
        RawClient.QueryResult result = await client.ReadResultAsync().Within(TimeSpan.FromSeconds(10));
        Assert.Equal("57014", Assert.Single(result.Errors).SqlState);
    }

    [Fact]
    public async Task Cancel_request_sent_to_another_instance_cancels_the_query_with_57014()
    {
        int port1 = PostgresCluster.FreePort();
        int port2 = PostgresCluster.FreePort();
        await using GatewayInstance instance1 = await GatewayInstance.StartAsync(fixture.Cluster, Peered(1, port1, 2, port2)).Within();
        await using GatewayInstance instance2 = await GatewayInstance.StartAsync(fixture.Cluster, Peered(2, port2, 1, port1)).Within();
        Assert.Equal(port1, instance1.Port);
        Assert.Equal(port2, instance2.Port);

        await using RawClient client = await RawClient.ConnectAsync(instance1.EndPoint, GatewayInstance.User, GatewayInstance.Password).Within();
        BackendKeyData key = client.KeyData;
        Assert.Equal(1, (int)((uint)key.SecretKey >> 24));
        RawClient.QueryResult pid = await client.QueryAsync("SELECT pg_backend_pid()").Within();
        Assert.Equal(key.ProcessId.ToString(CultureInfo.InvariantCulture), Assert.Single(pid.Rows)[0]);

        await client.SendQueryAsync("SELECT pg_sleep(30)").Within();
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, key.ProcessId, "pg_sleep(30)").Within();
        await RawClient.SendCancelAsync(instance2.EndPoint, key).Within();

        RawClient.QueryResult result = await client.ReadResultAsync().Within(TimeSpan.FromSeconds(10));
        ErrorResponse error = Assert.Single(result.Errors);
        Assert.Equal("ERROR", error.Severity);
        Assert.Equal("57014", error.SqlState);

        RawClient.QueryResult after = await client.QueryAsync("SELECT 'still here'").Within();
        Assert.Empty(after.Errors);
        Assert.Equal("still here", Assert.Single(after.Rows)[0]);
    }

    [Fact]
    public async Task Cancel_request_for_an_instance_without_a_peer_entry_is_ignored()
    {
        int port1 = PostgresCluster.FreePort();
        int port2 = PostgresCluster.FreePort();
        await using GatewayInstance instance1 = await GatewayInstance.StartAsync(fixture.Cluster, Peered(1, port1, 2, port2)).Within();

        // Instance 3 knows only itself: it cannot route a key of instance 1's.
        await using GatewayInstance instance3 = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Gateway:InstanceId"] = "3",
        }).Within();

        await using RawClient client = await RawClient.ConnectAsync(instance1.EndPoint, GatewayInstance.User, GatewayInstance.Password).Within();
        await client.SendQueryAsync("SELECT pg_sleep(1.5), 'finished'").Within();
        await ServerActivity.WaitUntilRunningAsync(fixture.Cluster, client.KeyData.ProcessId, "pg_sleep(1.5)").Within();
        await RawClient.SendCancelAsync(instance3.EndPoint, client.KeyData).Within();

        RawClient.QueryResult result = await client.ReadResultAsync().Within(TimeSpan.FromSeconds(10));
        Assert.Empty(result.Errors);
        Assert.Equal("finished", Assert.Single(result.Rows)[1]);
    }

    private static Dictionary<string, string?> Peered(int id, int port, int peerId, int peerPort) => new()
    {
        ["HoopGate:Gateway:Port"] = port.ToString(CultureInfo.InvariantCulture),
        ["HoopGate:Gateway:InstanceId"] = id.ToString(CultureInfo.InvariantCulture),
        ["HoopGate:Gateway:Peers:" + peerId.ToString(CultureInfo.InvariantCulture)] = "127.0.0.1:" + peerPort.ToString(CultureInfo.InvariantCulture),
    };
}
