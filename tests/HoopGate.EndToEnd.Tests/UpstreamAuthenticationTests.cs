using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>Every authentication method the gateway speaks to the server, and a refusal that must not leak the gateway's credentials.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UpstreamAuthenticationTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("hg_md5")]
    [InlineData("hg_password")]
    [InlineData("hg_trust")]
    [InlineData("hg_app")]
    public async Task Gateway_logs_in_upstream_with_each_method_and_serves_queries(string role)
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:User"] = role,
        }).Within();
        await using NpgsqlConnection connection = await gateway.OpenAsync().Within();

        Assert.Equal(role, await connection.ScalarAsync<string>("SELECT current_user"));
        Assert.Equal(42, await connection.ScalarAsync<int>("SELECT 40 + 2"));
    }

    [Theory]
    [InlineData("hg_app")]
    [InlineData("hg_md5")]
    [InlineData("hg_password")]
    public async Task Wrong_upstream_password_gives_the_client_08004_without_the_role_or_password(string role)
    {
        const string wrongPassword = "hgsecret-wrong-upstream-7f3a";
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:User"] = role,
            ["HoopGate:Upstream:Password"] = wrongPassword,
        }).Within();

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => gateway.OpenAsync()).Within();

        Assert.Equal("FATAL", error.Severity);
        Assert.Equal(PostgresErrorCodes.SqlServerRejectedEstablishmentOfSqlConnection, error.SqlState);
        string everything = error.MessageText + "|" + error.Detail + "|" + error.Hint + "|" + error.Where + "|" + error.Message;
        Assert.DoesNotContain(role, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongPassword, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresCluster.RolePassword, everything, StringComparison.Ordinal);
    }
}
