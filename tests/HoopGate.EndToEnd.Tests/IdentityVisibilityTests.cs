using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class IdentityVisibilityTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Application_name_upstream_leads_with_the_callers_subject_and_keeps_the_clients_own()
    {
        string tag = GatewayFixture.UniqueName("app");
        NpgsqlConnectionStringBuilder builder = fixture.Gateway.ConnectionString();
        builder.ApplicationName = tag;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();

        await using var command = new NpgsqlCommand("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()", connection);
        Assert.Equal(GatewayInstance.User + " " + tag, await command.ExecuteScalarAsync().Within());
    }

    [Fact]
    public async Task A_client_without_an_application_name_is_still_named_upstream()
    {
        NpgsqlConnectionStringBuilder builder = fixture.Gateway.ConnectionString();
        builder.ApplicationName = null;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();

        await using var command = new NpgsqlCommand("SHOW application_name", connection);
        Assert.Equal(GatewayInstance.User, await command.ExecuteScalarAsync().Within());
    }
}
