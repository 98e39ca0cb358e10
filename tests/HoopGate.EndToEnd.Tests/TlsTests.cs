using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>TLS on both legs: client to gateway, and gateway to server with each SslMode and channel binding.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TlsTests(GatewayFixture fixture)
{
    private const string UpstreamSslQuery = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

    private readonly PostgresCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Client_verifies_the_gateway_certificate_and_the_server_sees_the_plaintext_upstream_leg()
    {
        var builder = fixture.Gateway.ConnectionString();
        builder.SslMode = SslMode.VerifyFull;
        builder.RootCertificate = _cluster.Certificates.CaCertificatePath;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();

        // The fixture's gateway talks to the server with SslMode=Disable, whatever the client did.
        Assert.False(await connection.ScalarAsync<bool>(UpstreamSslQuery));
        Assert.Equal("hg_app", await connection.ScalarAsync<string>("SELECT current_user"));
    }

    [Fact]
    public async Task Client_that_does_not_trust_the_gateway_certificate_is_refused()
    {
        string otherCa = Path.Combine(_cluster.Directory, GatewayFixture.UniqueName("other_ca") + ".crt");
        await File.WriteAllTextAsync(otherCa, CreateUnrelatedCaPem()).Within();
        var builder = fixture.Gateway.ConnectionString();
        builder.SslMode = SslMode.VerifyFull;
        builder.RootCertificate = otherCa;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);

        NpgsqlException error = await Assert.ThrowsAsync<NpgsqlException>(() => connection.OpenAsync()).Within();
        Assert.IsAssignableFrom<System.Security.Authentication.AuthenticationException>(error.InnerException);

        // The failed handshake does not disturb the gateway.
        await using NpgsqlConnection other = await fixture.Gateway.OpenAsync().Within();
        Assert.Equal(1, await other.ScalarAsync<int>("SELECT 1"));
    }

    [Fact]
    public async Task Upstream_verify_full_with_the_servers_ca_connects_over_tls()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(_cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:SslMode"] = "VerifyFull",
            ["HoopGate:Upstream:RootCertificatePath"] = _cluster.Certificates.CaCertificatePath,
        }).Within();
        await using NpgsqlConnection connection = await gateway.OpenAsync().Within();

        Assert.True(await connection.ScalarAsync<bool>(UpstreamSslQuery));
        Assert.StartsWith("TLSv1.", await connection.ScalarAsync<string>("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), StringComparison.Ordinal);
        Assert.Equal("hg_app", await connection.ScalarAsync<string>("SELECT current_user"));
    }

    [Fact]
    public async Task Upstream_verify_full_with_an_unrelated_ca_refuses_the_client_with_08006()
    {
        string otherCa = Path.Combine(_cluster.Directory, GatewayFixture.UniqueName("other_ca") + ".crt");
        await File.WriteAllTextAsync(otherCa, CreateUnrelatedCaPem()).Within();
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(_cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:SslMode"] = "VerifyFull",
            ["HoopGate:Upstream:RootCertificatePath"] = otherCa,
        }).Within();

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => gateway.OpenAsync()).Within();
        Assert.Equal("FATAL", error.Severity);
        Assert.Equal(PostgresErrorCodes.ConnectionFailure, error.SqlState);
    }

    [Fact]
    public async Task Upstream_require_with_channel_binding_required_authenticates_with_scram_plus()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(_cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:SslMode"] = "Require",
            ["HoopGate:Upstream:ChannelBinding"] = "Require",
        }).Within();
        await using NpgsqlConnection connection = await gateway.OpenAsync().Within();

        Assert.True(await connection.ScalarAsync<bool>(UpstreamSslQuery));
        Assert.Equal("hg_app", await connection.ScalarAsync<string>("SELECT current_user"));
    }

    [Fact]
    public async Task Upstream_channel_binding_required_refuses_a_server_that_asks_for_md5()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(_cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:User"] = "hg_md5",
            ["HoopGate:Upstream:SslMode"] = "Require",
            ["HoopGate:Upstream:ChannelBinding"] = "Require",
        }).Within();

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => gateway.OpenAsync()).Within();
        Assert.Equal("FATAL", error.Severity);
        Assert.Equal(PostgresErrorCodes.ConnectionFailure, error.SqlState);
        Assert.DoesNotContain("hg_md5", error.MessageText + error.Detail + error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_only_role_works_when_the_upstream_leg_is_encrypted()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(_cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:User"] = "hg_tlsonly",
            ["HoopGate:Upstream:SslMode"] = "Require",
        }).Within();
        await using NpgsqlConnection connection = await gateway.OpenAsync().Within();

        Assert.Equal("hg_tlsonly", await connection.ScalarAsync<string>("SELECT current_user"));
        Assert.True(await connection.ScalarAsync<bool>(UpstreamSslQuery));
    }

    [Fact]
    public async Task Tls_only_role_over_a_plaintext_upstream_gives_the_client_a_fatal_and_the_gateway_keeps_serving()
    {
        await using GatewayInstance gateway = await GatewayInstance.StartAsync(_cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Upstream:User"] = "hg_tlsonly",
            ["HoopGate:Upstream:SslMode"] = "Disable",
        }).Within();

        // The server's pg_hba.conf rejects hg_tlsonly without TLS (28000); the client learns only that the
        // gateway's own session was refused, not which role it uses.
        for (int attempt = 0; attempt < 2; attempt++)
        {
            PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => gateway.OpenAsync()).Within();
            Assert.Equal("FATAL", error.Severity);
            Assert.Equal(PostgresErrorCodes.SqlServerRejectedEstablishmentOfSqlConnection, error.SqlState);
            Assert.DoesNotContain("hg_tlsonly", error.MessageText + error.Detail + error.Hint, StringComparison.Ordinal);
        }

        // The refused sessions are gone and other gateways on the same server are unaffected.
        Assert.Equal(0, await WaitForSessionCountAsync(gateway, 0).Within());
        await using NpgsqlConnection other = await fixture.Gateway.OpenAsync().Within();
        Assert.Equal("hg_app", await other.ScalarAsync<string>("SELECT current_user"));
    }

    private static async Task<int> WaitForSessionCountAsync(GatewayInstance gateway, int expected)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (gateway.Listener.SessionCount != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20).Within();
        }

        return gateway.Listener.SessionCount;
    }

    private static string CreateUnrelatedCaPem()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Unrelated Test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return ca.ExportCertificatePem();
    }
}
