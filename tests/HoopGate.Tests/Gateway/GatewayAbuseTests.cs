using System.Globalization;
using HoopGate.Testing;
using Xunit.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace HoopGate.Tests.Gateway;

/// <summary>
/// Handshake and protocol-abuse tests against a real gateway over raw sockets. Every test checks what the
/// client was told (SQLSTATE and severity as received), that the gateway cleaned up after it, and that the
/// gateway still serves an ordinary Npgsql session. One class in several files so that the closing check
/// (<see cref="Gateway_is_still_alive_after_all_the_abuse_and_leaks_no_sessions_or_server_backends"/>) runs last.
/// </summary>
[Collection(GatewayCollection.Name)]
[TestCaseOrderer(RunLastOrderer.TypeName, RunLastOrderer.AssemblyName)]
public sealed partial class GatewayAbuseTests(GatewayFixture fixture, ITestOutputHelper output)
{
    private readonly GatewayInstance _gateway = fixture.Gateway;

    private PostgresCluster Cluster => fixture.Cluster;

    [Fact]
    [RunLast]
    public async Task Gateway_is_still_alive_after_all_the_abuse_and_leaks_no_sessions_or_server_backends()
    {
        await GatewayChecks.WaitForSessionCountAsync(_gateway, 0, "every abusive session should have ended");

        // Backends outlive their sessions only when kept for the caller's next session: idle after DISCARD ALL, and counted by the pool.
        var pool = _gateway.Services.GetRequiredService<HoopGate.Gateway.Upstream.ServerSessionPool>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        (long Total, long Kept) backends;
        while ((backends = await GatewayChecks.CountGatewayBackendsAsync(Cluster)) != (pool.IdleCount, pool.IdleCount))
        {
            Assert.True(
                clock.Elapsed < GatewayChecks.CleanupTimeout,
                backends.Total + " hg_app server backend(s) outlived their sessions, " + backends.Kept + " of them reset, " + pool.IdleCount + " kept");
            await Task.Delay(100).Within();
        }

        await GatewayChecks.AssertServesQueriesAsync(_gateway);
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.LoginAsync();
        Assert.Equal("ok", Assert.Single(await client.QueryAsync("SELECT 'ok'")));
    }

    /// <summary>An extra gateway in front of the same cluster, with some settings changed.</summary>
    private Task<GatewayInstance> StartGatewayAsync(params (string Key, string Value)[] overrides) =>
        GatewayInstance.StartAsync(Cluster, overrides.ToDictionary(o => o.Key, o => (string?)o.Value)).Within();

    /// <summary>
    /// Logs in over a raw socket with a unique application_name and waits until the server shows that
    /// backend, so that a later "it is gone" cannot pass just because the tag never arrived.
    /// </summary>
    private async Task<(RawPgClient Client, string Tag)> LoginTaggedAsync(GatewayInstance gateway, string? reusedTag = null)
    {
        string tag = reusedTag ?? GatewayFixture.UniqueName("hg_abuse");
        RawPgClient client = await RawPgClient.ConnectAsync(gateway.Port);
        try
        {
            await client.LoginAsync(tag);
            await GatewayChecks.WaitForBackendsAsync(Cluster, tag, 1, "the session's server backend should be visible");
            return (client, tag);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private void Log(string what, PgMessage? message) =>
        output.WriteLine(what + ": " + RawPgClient.Describe(message));

    private static string Hex(int value) => "0x" + value.ToString("x8", CultureInfo.InvariantCulture);
}
