using System.Security.Cryptography.X509Certificates;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.Tests.Gateway;

/// <summary>SSLRequest, GSSENCRequest, passwords, refused startup parameters, protocol versions, connection limits.</summary>
public sealed partial class GatewayAbuseTests
{
    [Fact]
    public async Task SSLRequest_is_answered_S_and_startup_continues_over_tls()
    {
        using X509Certificate2 certificate = ServerCertificate();
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.SslRequest());
        Assert.Equal((byte)'S', await client.ReadByteAsync());

        await client.UpgradeToTlsAsync(certificate);
        List<PgMessage> greeting = await client.LoginAsync();

        Assert.True(client.IsTls);
        Assert.Contains(greeting, m => m.IsAuthenticationOk);
        Assert.Contains(greeting, m => m.Code == (byte)'K');
        Assert.Equal("hg_app", Assert.Single(await client.QueryAsync("SELECT current_user")));
        await client.SendAsync(RawWire.Terminate());
        Assert.Empty(await client.ReadUntilClosedAsync());
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Second_SSLRequest_inside_tls_gets_fatal_08P01()
    {
        using X509Certificate2 certificate = ServerCertificate();
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.SslRequest());
        Assert.Equal((byte)'S', await client.ReadByteAsync());
        await client.UpgradeToTlsAsync(certificate);

        await client.SendAsync(RawWire.SslRequest());

        await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task SSLRequest_without_a_certificate_is_answered_N_and_startup_continues_in_plaintext()
    {
        await using GatewayInstance gateway = await StartGatewayAsync(
            ("HoopGate:Gateway:Tls:CertificatePath", ""), ("HoopGate:Gateway:Tls:KeyPath", ""));
        await using RawPgClient client = await RawPgClient.ConnectAsync(gateway.Port);
        await client.SendAsync(RawWire.SslRequest());
        Assert.Equal((byte)'N', await client.ReadByteAsync());

        await client.LoginAsync();

        Assert.Equal("1", Assert.Single(await client.QueryAsync("SELECT 1")));
        await GatewayChecks.AssertServesQueriesAsync(gateway);
    }

    [Fact]
    public async Task GSSENCRequest_is_answered_N_and_a_normal_startup_follows_on_the_same_connection()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.GssEncRequest());
        Assert.Equal((byte)'N', await client.ReadByteAsync());

        await client.LoginAsync();

        Assert.False(client.IsTls);
        Assert.Equal("2", Assert.Single(await client.QueryAsync("SELECT 1 + 1")));
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task GSSENCRequest_then_SSLRequest_then_startup_works_as_libpq_prefer_does_it()
    {
        using X509Certificate2 certificate = ServerCertificate();
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.GssEncRequest());
        Assert.Equal((byte)'N', await client.ReadByteAsync());
        await client.SendAsync(RawWire.SslRequest());
        Assert.Equal((byte)'S', await client.ReadByteAsync());
        await client.UpgradeToTlsAsync(certificate);

        await client.LoginAsync();

        Assert.Equal("1", Assert.Single(await client.QueryAsync("SELECT 1")));
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Endless_GSSENCRequests_end_with_fatal_08P01_instead_of_looping()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        for (int i = 1; i <= 3; i++)
        {
            await client.SendAsync(RawWire.GssEncRequest());
            byte? answer = await client.ReadByteAsync();
            Assert.True(answer == (byte)'N', "GSSENCRequest #" + i + " was answered " + (answer is null ? "by a close" : "with byte " + answer));
        }

        // A client that only ever negotiates is looping: after the third 'N' the FATAL comes without another packet.
        await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    // Cases by name, not by password: a test's display name is printed, and the suite's secrets must not be.
    [Theory]
    [InlineData(GatewayInstance.User, "a wrong password")]
    [InlineData("mallory", "alice's password")]
    [InlineData("mallory", "a wrong password")]
    public async Task Bad_credentials_get_fatal_28P01_and_the_connection_closes(string user, string passwordCase)
    {
        string password = passwordCase == "alice's password" ? GatewayInstance.Password : "hgsecret-not-the-password";
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.Startup(("user", user), ("database", "postgres")));
        await client.ExpectPasswordRequestAsync();
        await client.SendAsync(RawWire.PasswordMessage(password));

        ErrorResponse error = await GatewayChecks.ExpectErrorAsync(client, SqlState.InvalidPassword);

        Assert.DoesNotContain(password, error.Message!, StringComparison.Ordinal);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Empty_password_gets_fatal_28P01()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.AliceStartup());
        await client.ExpectPasswordRequestAsync();
        await client.SendAsync(RawWire.PasswordMessage(""));

        await GatewayChecks.ExpectErrorAsync(client, SqlState.InvalidPassword);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Something_other_than_a_password_in_answer_to_the_password_request_gets_fatal_08P01()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.AliceStartup());
        await client.ExpectPasswordRequestAsync();
        await client.SendAsync(RawWire.Query("SELECT 1"));

        await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Tls_required_and_a_plaintext_StartupMessage_gets_fatal_28000_before_any_password_request()
    {
        await using GatewayInstance gateway = await StartGatewayAsync(("HoopGate:Gateway:Tls:Required", "true"));
        await using RawPgClient client = await RawPgClient.ConnectAsync(gateway.Port);
        await client.SendAsync(RawWire.AliceStartup());

        // The first message must be the refusal: a password request first would invite the token in cleartext.
        await GatewayChecks.ExpectErrorAsync(client, SqlState.InvalidAuthorizationSpecification);

        // The same gateway lets a TLS client in, so the refusal above is about TLS and nothing else.
        using X509Certificate2 certificate = ServerCertificate();
        await using RawPgClient tlsClient = await RawPgClient.ConnectAsync(gateway.Port);
        await tlsClient.SendAsync(RawWire.SslRequest());
        Assert.Equal((byte)'S', await tlsClient.ReadByteAsync());
        await tlsClient.UpgradeToTlsAsync(certificate);
        await tlsClient.LoginAsync();
        Assert.Equal("1", Assert.Single(await tlsClient.QueryAsync("SELECT 1")));
    }

    [Fact]
    public async Task Tls_required_and_GSSENCRequest_then_plaintext_startup_gets_fatal_28000()
    {
        await using GatewayInstance gateway = await StartGatewayAsync(("HoopGate:Gateway:Tls:Required", "true"));
        await using RawPgClient client = await RawPgClient.ConnectAsync(gateway.Port);
        await client.SendAsync(RawWire.GssEncRequest());
        Assert.Equal((byte)'N', await client.ReadByteAsync());
        await client.SendAsync(RawWire.AliceStartup());

        await GatewayChecks.ExpectErrorAsync(client, SqlState.InvalidAuthorizationSpecification);
    }

    [Theory]
    [InlineData("database")]
    [InlineData("true")]
    [InlineData("false")]
    public async Task Startup_parameter_replication_gets_fatal_0A000_before_any_password_request(string value)
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.AliceStartup(("replication", value)));

        await GatewayChecks.ExpectErrorAsync(client, SqlState.FeatureNotSupported);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData("role")]
    [InlineData("session_authorization")]
    [InlineData("ROLE")]
    [InlineData("Session_Authorization")]
    public async Task Startup_parameter_that_chooses_the_upstream_identity_gets_fatal_42501(string name)
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.AliceStartup((name, "postgres")));

        await GatewayChecks.ExpectErrorAsync(client, SqlState.InsufficientPrivilege);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData("-c role=postgres")]
    [InlineData("-crole=postgres")]
    [InlineData("--role=postgres")]
    [InlineData("-c session_authorization=postgres")]
    [InlineData("-c session-authorization=postgres")]
    [InlineData("-c application_name=x -c role=postgres")]
    [InlineData("-c\tROLE=postgres")]
    public async Task Options_that_set_the_upstream_identity_get_fatal_42501(string options)
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.AliceStartup(("options", options)));

        await GatewayChecks.ExpectErrorAsync(client, SqlState.InsufficientPrivilege);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task Options_with_only_allowed_settings_are_accepted_and_reach_the_server()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.AliceStartup(("options", "-c lock_timeout=1234")));
        await client.ExpectPasswordRequestAsync();
        await client.SendAsync(RawWire.PasswordMessage(GatewayInstance.Password));
        await client.ReadUntilReadyAsync();

        Assert.Equal("1234ms", Assert.Single(await client.QueryAsync("SHOW lock_timeout")));
    }

    [Fact]
    public async Task StartupMessage_without_a_user_gets_fatal_28000()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.Startup(("database", "postgres")));

        await GatewayChecks.ExpectErrorAsync(client, SqlState.InvalidAuthorizationSpecification);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Fact]
    public async Task StartupMessage_with_a_duplicate_parameter_gets_fatal_08P01()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.Startup(("user", GatewayInstance.User), ("user", "postgres")));

        await GatewayChecks.ExpectErrorAsync(client, SqlState.ProtocolViolation);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(1, 0)]
    [InlineData(4, 0)]
    public async Task Unsupported_protocol_major_version_gets_fatal_0A000(int major, int minor)
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.Startup((major << 16) | minor, ("user", GatewayInstance.User), ("database", "postgres")));

        await GatewayChecks.ExpectErrorAsync(client, SqlState.FeatureNotSupported);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(9999)]
    public async Task Newer_protocol_minor_version_gets_NegotiateProtocolVersion_then_authentication_continues(int minor)
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.Startup((3 << 16) | minor, ("user", GatewayInstance.User), ("database", "postgres")));

        PgMessage? first = await client.ReadMessageAsync();
        Assert.True(first is { Code: (byte)'v' }, "expected NegotiateProtocolVersion, got " + RawPgClient.Describe(first));
        NegotiateProtocolVersion negotiate = first!.Value.AsNegotiateProtocolVersion();
        Assert.Equal(0, negotiate.NewestMinorVersion);
        Assert.Empty(negotiate.UnrecognizedOptions);

        await client.ExpectPasswordRequestAsync();
        await client.SendAsync(RawWire.PasswordMessage(GatewayInstance.Password));
        await client.ReadUntilReadyAsync();
        Assert.Equal("1", Assert.Single(await client.QueryAsync("SELECT 1")));
    }

    [Fact]
    public async Task Protocol_option_parameter_gets_NegotiateProtocolVersion_naming_it_then_authentication_continues()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.AliceStartup(("_pq_.foo", "bar"), ("_pq_.compression", "on")));

        PgMessage? first = await client.ReadMessageAsync();
        Assert.True(first is { Code: (byte)'v' }, "expected NegotiateProtocolVersion, got " + RawPgClient.Describe(first));
        NegotiateProtocolVersion negotiate = first!.Value.AsNegotiateProtocolVersion();
        Assert.Equal(0, negotiate.NewestMinorVersion);
        Assert.Equal(new[] { "_pq_.foo", "_pq_.compression" }, negotiate.UnrecognizedOptions);

        await client.ExpectPasswordRequestAsync();
        await client.SendAsync(RawWire.PasswordMessage(GatewayInstance.Password));
        await client.ReadUntilReadyAsync();
        Assert.Equal("1", Assert.Single(await client.QueryAsync("SELECT 1")));
    }

    [Theory]
    [InlineData("HoopGate:Gateway:MaxConnections")]
    [InlineData("HoopGate:Gateway:MaxConnectionsPerAddress")]
    public async Task Connection_over_the_limit_gets_fatal_53300_after_its_StartupMessage_while_the_others_work(string limit)
    {
        await using GatewayInstance gateway = await StartGatewayAsync((limit, "2"));
        await using NpgsqlConnection first = await gateway.OpenAsync().Within();
        await using NpgsqlConnection second = await gateway.OpenAsync().Within();

        await using (RawPgClient third = await RawPgClient.ConnectAsync(gateway.Port))
        {
            // As PostgreSQL does, the refusal waits for the StartupMessage, so the client can read it as an ErrorResponse.
            Assert.False(await third.ReceivedAnythingAsync(TimeSpan.FromMilliseconds(200)), "the gateway answered (or closed) before the StartupMessage");
            await third.SendAsync(RawWire.AliceStartup());
            ErrorResponse error = await GatewayChecks.ExpectErrorAsync(third, SqlState.TooManyConnections);
            output.WriteLine("third connection: " + error.Message);
        }

        foreach (NpgsqlConnection connection in new[] { first, second })
        {
            await using var command = new NpgsqlCommand("SELECT 7", connection);
            Assert.Equal(7, await command.ExecuteScalarAsync().Within());
        }

        // Closing one of the two gives its slot back (the session ends asynchronously, hence the bounded retry).
        await second.CloseAsync().Within();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await GatewayChecks.AssertServesQueriesAsync(gateway);
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == SqlState.TooManyConnections && clock.Elapsed < GatewayChecks.CleanupTimeout)
            {
                await Task.Delay(100).Within();
            }
        }
    }

    [Fact]
    public async Task CancelRequest_with_an_unknown_key_is_closed_without_an_answer()
    {
        await using RawPgClient client = await RawPgClient.ConnectAsync(_gateway.Port);
        await client.SendAsync(RawWire.CancelRequest(12345, 67890));

        List<PgMessage> answer = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5));

        Assert.Empty(answer);
        await GatewayChecks.AssertServesQueriesAsync(_gateway);
    }

    private X509Certificate2 ServerCertificate() =>
        X509Certificate2.CreateFromPem(File.ReadAllText(Cluster.Certificates.ServerCertificatePath));
}
