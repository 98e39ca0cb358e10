using System.Text;
using HoopGate.Demo;
using HoopGate.Gateway.Authentication;
using HoopGate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Tokens as passwords, against the development issuer over real HTTP. Each test gets its own issuer and an
/// OIDC gateway: group "analysts" may use hg_test as the least-privilege role hg_md5; "admins" any database as hg_app.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OidcAuthenticationTests(GatewayFixture fixture) : IAsyncLifetime
{
    private DevelopmentIssuer _issuer = null!;
    private GatewayInstance _gateway = null!;

    public async Task InitializeAsync()
    {
        _issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).Within();
        _gateway = await StartOidcGatewayAsync(new Dictionary<string, string?>()).Within();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Fact]
    public async Task Valid_token_opens_a_session_as_the_grants_upstream_role_named_after_the_caller()
    {
        string subject = GatewayFixture.UniqueName("analyst");
        await using NpgsqlConnection connection = await OpenAsync(Token(subject, "analysts"), "hg_test");

        await using var command = new NpgsqlCommand("SELECT current_user, application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().Within();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("hg_md5", reader.GetString(0));
        Assert.StartsWith(subject, reader.GetString(1), StringComparison.Ordinal);
        await reader.DisposeAsync();

        // The audit trail names the token's issuer and the server backend beside the subject.
        await _gateway.DrainAuditAsync();
        var store = new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_audit" };
        await using var audit = new NpgsqlConnection(store.ConnectionString);
        await audit.OpenAsync().Within();
        await using var sessions = new NpgsqlCommand("SELECT issuer, server_pid FROM hoopgate_audit.sessions WHERE subject = $1", audit);
        sessions.Parameters.AddWithValue(subject);
        await using NpgsqlDataReader recorded = await sessions.ExecuteReaderAsync().Within();
        Assert.True(await recorded.ReadAsync());
        Assert.Equal(_issuer.Issuer, recorded.GetString(0));
        Assert.Equal(connection.ProcessID, recorded.GetInt32(1));
    }

    [Fact]
    public async Task Machine_token_without_email_is_a_first_class_identity()
    {
        string client = GatewayFixture.UniqueName("mcp-agent");
        string token = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = client, ClientId = client, Groups = ["admins"] });
        await using NpgsqlConnection connection = await OpenAsync(token, "postgres");
        await using var command = new NpgsqlCommand("SELECT current_user", connection);
        Assert.Equal("hg_app", await command.ExecuteScalarAsync().Within());
    }

    [Fact]
    public async Task Expired_token_gets_28P01_and_reaches_no_server()
    {
        string subject = GatewayFixture.UniqueName("late");
        string token = _issuer.CreateToken(new DevelopmentTokenRequest
        {
            Subject = subject,
            Groups = ["analysts"],
            IssuedAt = DateTimeOffset.UtcNow.AddHours(-2),
            NotBefore = DateTimeOffset.UtcNow.AddHours(-2),
            Lifetime = TimeSpan.FromHours(1),
        });
        await AssertRefusedAsync(token, "hg_test", "28P01", "expired");
    }

    [Fact]
    public async Task Token_that_is_not_yet_valid_gets_28P01()
    {
        string token = _issuer.CreateToken(new DevelopmentTokenRequest
        {
            Subject = GatewayFixture.UniqueName("early"),
            Groups = ["analysts"],
            NotBefore = DateTimeOffset.UtcNow.AddHours(1),
            IssuedAt = DateTimeOffset.UtcNow,
            Lifetime = TimeSpan.FromHours(2),
        });
        await AssertRefusedAsync(token, "hg_test", "28P01", "not yet valid");
    }

    [Fact]
    public async Task Token_from_an_issuer_the_gateway_does_not_trust_gets_28P01()
    {
        await using DevelopmentIssuer stranger = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).Within();
        string token = stranger.CreateToken(new DevelopmentTokenRequest { Subject = GatewayFixture.UniqueName("mallory"), Groups = ["admins"] });
        await AssertRefusedAsync(token, "postgres", "28P01", "issuer");
    }

    [Fact]
    public async Task Token_for_another_audience_gets_28P01()
    {
        string token = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = GatewayFixture.UniqueName("bob"), Groups = ["admins"], Audience = "some-other-api" });
        await AssertRefusedAsync(token, "postgres", "28P01", "audience");
    }

    [Fact]
    public async Task Token_with_a_tampered_payload_fails_its_signature_with_28P01()
    {
        string[] parts = Token(GatewayFixture.UniqueName("bob"), "analysts").Split('.');
        string forged = Base64UrlEncoder.Encode(Base64UrlEncoder.Decode(parts[1]).Replace("\"analysts\"", "\"admins\"", StringComparison.Ordinal));
        await AssertRefusedAsync(parts[0] + "." + forged + "." + parts[2], "postgres", "28P01", "signature");
    }

    [Fact]
    public async Task Unsigned_alg_none_token_gets_28P01()
    {
        string header = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        string payload = Token(GatewayFixture.UniqueName("bob"), "admins").Split('.')[1];
        await AssertRefusedAsync(header + "." + payload + ".", "postgres", "28P01", "algorithm");
    }

    [Fact]
    public async Task Hs256_token_keyed_with_the_issuers_public_key_gets_28P01()
    {
        // The classic confusion attack: HMAC "signed" with the public key, which anyone can fetch from the JWKS.
        RsaSecurityKey publicKey = _issuer.CurrentPublicKey;
        byte[] secret = Encoding.UTF8.GetBytes(JsonWebKeyConverter.ConvertFromRSASecurityKey(publicKey).N);
        string token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _issuer.Issuer,
            Audience = "hoopgate",
            Claims = new Dictionary<string, object> { ["sub"] = "mallory", ["groups"] = new[] { "admins" } },
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = publicKey.KeyId }, SecurityAlgorithms.HmacSha256),
        });
        await AssertRefusedAsync(token, "postgres", "28P01", "algorithm");
    }

    [Fact]
    public async Task Key_rotation_is_followed_when_a_token_names_an_unknown_key_id()
    {
        // Warm the gateway's key cache with the old key, then rotate: the new kid is unknown until a refresh.
        await using (await OpenAsync(Token("before-rotation", "admins"), "postgres"))
        {
        }

        _issuer.RotateKey();
        await using NpgsqlConnection connection = await OpenAsync(Token("after-rotation", "admins"), "postgres");
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await command.ExecuteScalarAsync().Within());
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0")]
    public async Task Password_that_is_not_a_signed_jwt_gets_28P01(string password)
    {
        NpgsqlConnectionStringBuilder builder = _gateway.ConnectionString();
        builder.Password = password;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync()).Within();
        Assert.Equal("28P01", error.SqlState);
        Assert.DoesNotContain(password, error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_without_a_key_id_is_checked_against_every_issuer_key()
    {
        string keyFile = Path.Combine(Path.GetTempPath(), GatewayFixture.UniqueName("issuer") + ".pem");
        try
        {
            await using DevelopmentIssuer keyed = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions { KeyFile = keyFile }).Within();
            await using GatewayInstance gateway = await StartOidcGatewayAsync(new Dictionary<string, string?> { ["HoopGate:Oidc:Issuers:0:Issuer"] = keyed.Issuer });
            using var issuerKey = System.Security.Cryptography.RSA.Create();
            issuerKey.ImportFromPem(await File.ReadAllTextAsync(keyFile));
            using var foreignKey = System.Security.Cryptography.RSA.Create(2048);

            NpgsqlConnectionStringBuilder builder = gateway.ConnectionString();
            builder.Password = SignWithoutKeyId(keyed.Issuer, new RsaSecurityKey(issuerKey));
            await using (var connection = new NpgsqlConnection(builder.ConnectionString))
            {
                await connection.OpenAsync().Within();
            }

            builder.Password = SignWithoutKeyId(keyed.Issuer, new RsaSecurityKey(foreignKey));
            await using var forged = new NpgsqlConnection(builder.ConnectionString);
            PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => forged.OpenAsync()).Within();
            Assert.Equal("28P01", error.SqlState);
            Assert.Contains("signature", error.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    private static string SignWithoutKeyId(string issuer, RsaSecurityKey key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = "hoopgate",
        Claims = new Dictionary<string, object> { ["sub"] = GatewayFixture.UniqueName("nokid"), ["groups"] = new[] { "admins" } },
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
    });

    [Fact]
    public async Task A_second_issuers_groups_carry_its_prefix_and_cannot_claim_the_first_issuers_grants()
    {
        await using DevelopmentIssuer partner = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).Within();
        await using GatewayInstance gateway = await StartOidcGatewayAsync(new Dictionary<string, string?>
        {
            ["HoopGate:Oidc:Issuers:1:Issuer"] = partner.Issuer,
            ["HoopGate:Oidc:Issuers:1:AllowHttp"] = "true",
            ["HoopGate:Oidc:Issuers:1:Audiences:0"] = "hoopgate",
            ["HoopGate:Oidc:Issuers:1:GroupPrefix"] = "partner:",
            ["HoopGate:Grants:2:Group"] = "partner:analysts",
            ["HoopGate:Grants:2:Databases:0"] = "hg_test",
            ["HoopGate:Grants:2:UpstreamRole"] = "reader",
        }).Within();

        async Task<PostgresException?> TryOpenAsync(DevelopmentIssuer issuer, string group, string database)
        {
            NpgsqlConnectionStringBuilder builder = gateway.ConnectionString(database);
            builder.Password = issuer.CreateToken(new DevelopmentTokenRequest { Subject = GatewayFixture.UniqueName("multi"), Groups = [group] });
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            try
            {
                await connection.OpenAsync().Within();
                return null;
            }
            catch (PostgresException error)
            {
                return error;
            }
        }

        // The partner's own grant works; the partner's "admins" is "partner:admins", which has none.
        Assert.Null(await TryOpenAsync(partner, "analysts", "hg_test"));
        Assert.Equal("28000", (await TryOpenAsync(partner, "admins", "postgres"))?.SqlState);

        // The first issuer's groups that read like the partner's are dropped, not taken for them.
        Assert.Equal("28000", (await TryOpenAsync(_issuer, "partner:analysts", "hg_test"))?.SqlState);
        Assert.Null(await TryOpenAsync(_issuer, "admins", "postgres"));
    }

    [Fact]
    public async Task Two_issuers_without_group_prefixes_are_refused_at_startup()
    {
        await using DevelopmentIssuer other = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).Within();
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StartOidcGatewayAsync(new Dictionary<string, string?>
        {
            ["HoopGate:Oidc:Issuers:1:Issuer"] = other.Issuer,
            ["HoopGate:Oidc:Issuers:1:AllowHttp"] = "true",
            ["HoopGate:Oidc:Issuers:1:Audiences:0"] = "hoopgate",
        })).Within();
        Assert.Contains("GroupPrefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_without_groups_gets_28000()
    {
        await AssertRefusedAsync(_issuer.CreateToken(new DevelopmentTokenRequest { Subject = GatewayFixture.UniqueName("nogroups") }), "postgres", "28000", "no grant");
    }

    [Fact]
    public async Task Group_without_a_grant_gets_28000()
    {
        await AssertRefusedAsync(Token(GatewayFixture.UniqueName("visitor"), "visitors"), "postgres", "28000", "no grant");
    }

    [Fact]
    public async Task Database_outside_the_grant_gets_28000()
    {
        await AssertRefusedAsync(Token(GatewayFixture.UniqueName("analyst"), "analysts"), "postgres", "28000", "database \"postgres\"");
    }

    [Fact]
    public async Task Token_of_about_twelve_kilobytes_is_accepted_and_one_over_sixteen_is_refused_cleanly()
    {
        string big = _issuer.CreateToken(new DevelopmentTokenRequest
        {
            Subject = "big",
            Groups = ["admins"],
            ExtraClaims = new Dictionary<string, object> { ["padding"] = new string('x', 9000) },
        });
        Assert.InRange(big.Length, 12_000, 16_384);
        await using (await OpenAsync(big, "postgres"))
        {
        }

        string huge = _issuer.CreateToken(new DevelopmentTokenRequest
        {
            Subject = GatewayFixture.UniqueName("huge"),
            Groups = ["admins"],
            ExtraClaims = new Dictionary<string, object> { ["padding"] = new string('x', 14000) },
        });
        Assert.True(huge.Length > 16_384);
        await AssertRefusedAsync(huge, "postgres", "28P01", "size");
    }

    [Fact]
    public async Task Session_ends_with_fatal_28P01_when_its_token_expires()
    {
        await using GatewayInstance strict = await StartOidcGatewayAsync(new Dictionary<string, string?> { ["HoopGate:Oidc:ClockSkewSeconds"] = "0" });
        string token = _issuer.CreateToken(new DevelopmentTokenRequest { Subject = "short", Groups = ["admins"], Lifetime = TimeSpan.FromSeconds(3) });
        NpgsqlConnectionStringBuilder builder = strict.ConnectionString();
        builder.Password = token;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();

        await Task.Delay(TimeSpan.FromSeconds(5));
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync()).Within();
        Assert.Equal("28P01", error.SqlState);
        Assert.Contains("token expired", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_ends_with_fatal_57P05_at_the_grants_maximum_lifetime()
    {
        await using GatewayInstance brief = await StartOidcGatewayAsync(new Dictionary<string, string?> { ["HoopGate:Grants:1:MaxSessionMinutes"] = "0.05" });
        NpgsqlConnectionStringBuilder builder = brief.ConnectionString();
        builder.Password = Token("brief", "admins");
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();

        await Task.Delay(TimeSpan.FromSeconds(5));
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync()).Within();
        Assert.Equal("57P05", error.SqlState);
        Assert.Contains("maximum lifetime", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_over_plaintext_is_refused_with_28000_before_it_is_asked_for()
    {
        await using GatewayInstance tlsOnly = await StartOidcGatewayAsync(new Dictionary<string, string?> { ["HoopGate:Authentication:AllowPlaintextTokens"] = "false" });
        NpgsqlConnectionStringBuilder builder = tlsOnly.ConnectionString();
        builder.Password = Token("bob", "admins");
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync()).Within();
        Assert.Equal("28000", error.SqlState);
        Assert.Contains("TLS", error.MessageText, StringComparison.Ordinal);

        // Over TLS the same token works.
        builder.SslMode = SslMode.VerifyFull;
        builder.RootCertificate = fixture.Cluster.Certificates.CaCertificatePath;
        await using var secure = new NpgsqlConnection(builder.ConnectionString);
        await secure.OpenAsync().Within();
    }

    [Fact]
    public async Task Every_success_and_failure_reaches_the_authentication_events_without_the_token()
    {
        var events = new RecordingAuthenticationEvents();
        await using GatewayInstance recorded = await StartOidcGatewayAsync([], s => s.AddSingleton<IAuthenticationEvents>(events));
        string subject = GatewayFixture.UniqueName("audited");
        string good = Token(subject, "admins");
        NpgsqlConnectionStringBuilder builder = recorded.ConnectionString();
        builder.Password = good;

        // Npgsql would retry a refused login once without GSS encryption: one attempt makes one event.
        builder.GssEncryptionMode = GssEncryptionMode.Disable;
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync().Within();
        }

        string bad = Token(subject, "visitors");
        builder.Password = bad;
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync()).Within();
        }

        Assert.Contains(events.Entries, e => e == "ok " + subject + " postgres");
        string failure = Assert.Single(events.Entries, e => e.StartsWith("fail ", StringComparison.Ordinal));
        Assert.Contains("28000", failure, StringComparison.Ordinal);
        Assert.All(events.Entries, e => Assert.DoesNotContain(bad, e, StringComparison.Ordinal));
        Assert.All(events.Entries, e => Assert.DoesNotContain(good, e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task User_name_must_match_the_token_when_configured()
    {
        await using GatewayInstance strict = await StartOidcGatewayAsync(new Dictionary<string, string?> { ["HoopGate:Authentication:UserName"] = "MustMatch" });
        NpgsqlConnectionStringBuilder builder = strict.ConnectionString();
        builder.Password = Token("carol", "admins");
        builder.Username = "dave";
        await using (var wrong = new NpgsqlConnection(builder.ConnectionString))
        {
            PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync()).Within();
            Assert.Equal("28000", error.SqlState);
        }

        builder.Username = "carol";
        await using var right = new NpgsqlConnection(builder.ConnectionString);
        await right.OpenAsync().Within();
    }

    [Fact]
    public async Task Psql_connects_with_a_token_as_its_password()
    {
        ProcessRunner.Result result = await ProcessRunner.RunAsync(
            "psql",
            ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", "select current_user", _gateway.Uri("hg_test")],
            TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string> { ["PGPASSWORD"] = Token("psql-user", "analysts") });
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("hg_md5", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Psql_with_an_expired_token_is_refused_with_the_reason_and_not_the_token()
    {
        string token = _issuer.CreateToken(new DevelopmentTokenRequest
        {
            Subject = GatewayFixture.UniqueName("psql-late"),
            Groups = ["analysts"],
            IssuedAt = DateTimeOffset.UtcNow.AddHours(-2),
            Lifetime = TimeSpan.FromHours(1),
        });
        ProcessRunner.Result result = await ProcessRunner.RunAsync(
            "psql",
            ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", "select 1", _gateway.Uri("hg_test")],
            TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string> { ["PGPASSWORD"] = token });
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("token has expired", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(token, result.Combined, StringComparison.Ordinal);
    }

    private string Token(string subject, params string[] groups) =>
        _issuer.CreateToken(new DevelopmentTokenRequest { Subject = subject, Groups = groups });

    private async Task<NpgsqlConnection> OpenAsync(string token, string database)
    {
        NpgsqlConnectionStringBuilder builder = _gateway.ConnectionString(database);
        builder.Password = token;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return connection;
    }

    /// <summary>
    /// The client gets <paramref name="sqlState"/> with <paramref name="reason"/> and never its token back, and the
    /// server never saw a session for the token's subject (the gateway names server sessions after it).
    /// </summary>
    private async Task AssertRefusedAsync(string token, string database, string sqlState, string reason)
    {
        string? subject = SubjectOf(token);
        NpgsqlConnectionStringBuilder builder = _gateway.ConnectionString(database);
        builder.Password = token;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync()).Within();
        Assert.Equal(sqlState, error.SqlState);
        Assert.Contains(reason, error.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.MessageText + error.Detail + error.Hint, StringComparison.Ordinal);
        if (subject is not null)
        {
            await using var direct = new NpgsqlConnection(fixture.Cluster.SuperuserConnectionString);
            await direct.OpenAsync().Within();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE $1 || '%'", direct);
            command.Parameters.Add(new NpgsqlParameter { Value = subject });
            Assert.Equal(0L, await command.ExecuteScalarAsync().Within());
        }
    }

    private static string? SubjectOf(string token)
    {
        string[] parts = token.Split('.');
        if (parts.Length < 2)
        {
            return null;
        }

        try
        {
            using var payload = System.Text.Json.JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1]));
            return payload.RootElement.TryGetProperty("sub", out System.Text.Json.JsonElement sub) ? sub.GetString() : null;
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or ArgumentException)
        {
            return null;
        }
    }

    private Task<GatewayInstance> StartOidcGatewayAsync(Dictionary<string, string?> overrides, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["HoopGate:Authentication:Mode"] = "Oidc",
            ["HoopGate:Authentication:AllowPlaintextTokens"] = "true",
            ["HoopGate:Oidc:Issuers:0:Issuer"] = _issuer.Issuer,
            ["HoopGate:Oidc:Issuers:0:AllowHttp"] = "true",
            ["HoopGate:Oidc:Issuers:0:Audiences:0"] = "hoopgate",
            ["HoopGate:Oidc:MinimumRefreshSeconds"] = "1",
            ["HoopGate:Upstream:Roles:reader:User"] = "hg_md5",
            ["HoopGate:Upstream:Roles:reader:Password"] = PostgresCluster.RolePassword,
            ["HoopGate:Grants:0:Group"] = "analysts",
            ["HoopGate:Grants:0:Databases:0"] = "hg_test",
            ["HoopGate:Grants:0:UpstreamRole"] = "reader",
            ["HoopGate:Grants:1:Group"] = "admins",
            ["HoopGate:Grants:1:Databases:0"] = "*",
        };
        foreach ((string key, string? value) in overrides)
        {
            settings[key] = value;
        }

        return GatewayInstance.StartAsync(fixture.Cluster, settings, services);
    }
}

/// <summary>Collects authentication events as text, for assertions.</summary>
internal sealed class RecordingAuthenticationEvents : IAuthenticationEvents
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public void Succeeded(GatewayIdentity identity, string database, System.Net.EndPoint? remote, bool tls)
    {
        lock (_entries)
        {
            _entries.Add("ok " + identity.Subject + " " + database);
        }
    }

    public void Failed(string user, string database, System.Net.EndPoint? remote, bool tls, string sqlState, string reason)
    {
        lock (_entries)
        {
            _entries.Add("fail " + user + " " + database + " " + sqlState + " " + reason);
        }
    }
}
