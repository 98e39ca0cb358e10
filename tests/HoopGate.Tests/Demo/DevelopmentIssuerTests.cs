using System.Text;
using System.Text.Json;
using HoopGate.Demo;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace HoopGate.Tests.Demo;

/// <summary>The development OIDC issuer (issue 4) serves what a real validator needs, over real HTTP.</summary>
public sealed class DevelopmentIssuerTests : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly HttpClient Http = new();

    private readonly string _directory = Directory.CreateTempSubdirectory("hoopgate-dev-issuer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Discovery_document_names_the_issuer_and_a_jwks_uri_that_serves_the_token_key()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);
        Assert.StartsWith("http://127.0.0.1:", issuer.Issuer, StringComparison.Ordinal);
        Assert.EndsWith("/hoopgate-dev", issuer.Issuer, StringComparison.Ordinal);
        Assert.Equal(issuer.Issuer + "/.well-known/openid-configuration", issuer.DiscoveryUrl);

        using JsonDocument discovery = await GetJsonAsync(issuer.DiscoveryUrl);
        Assert.Equal(issuer.Issuer, discovery.RootElement.GetProperty("issuer").GetString());
        Assert.Contains("RS256", discovery.RootElement.GetProperty("id_token_signing_alg_values_supported").EnumerateArray().Select(e => e.GetString()));
        string jwksUri = discovery.RootElement.GetProperty("jwks_uri").GetString()!;

        string token = issuer.CreateToken(new DevelopmentTokenRequest { Subject = "alice" });
        var jwt = new JsonWebToken(token);
        Assert.Equal("RS256", jwt.Alg);

        using JsonDocument jwks = await GetJsonAsync(jwksUri);
        JsonElement key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(jwt.Kid, key.GetProperty("kid").GetString());
        Assert.Equal(issuer.CurrentPublicKey.KeyId, jwt.Kid);
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.False(key.TryGetProperty("d", out _));
    }

    [Fact]
    public async Task A_token_validates_against_keys_fetched_through_discovery()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);
        string token = issuer.CreateToken(new DevelopmentTokenRequest
        {
            Subject = "alice",
            Groups = ["clinicians", "auditors"],
            Email = "alice@example.test",
        });

        TokenValidationResult result = await ValidateAsync(issuer, token);

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal("alice", result.Claims["sub"]);
        Assert.Equal("alice@example.test", result.Claims["email"]);
        Assert.Equal(issuer.Issuer, result.Claims["iss"]);
        using JsonDocument payload = Payload(token);
        JsonElement groups = payload.RootElement.GetProperty("groups");
        Assert.Equal(JsonValueKind.Array, groups.ValueKind);
        Assert.Equal(["clinicians", "auditors"], groups.EnumerateArray().Select(g => g.GetString()!));
        Assert.Equal("hoopgate", payload.RootElement.GetProperty("aud").GetString());
    }

    [Fact]
    public async Task A_token_without_groups_carries_an_empty_groups_array()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);

        using JsonDocument payload = Payload(issuer.CreateToken(new DevelopmentTokenRequest { Subject = "bob" }));

        JsonElement groups = payload.RootElement.GetProperty("groups");
        Assert.Equal(JsonValueKind.Array, groups.ValueKind);
        Assert.Equal(0, groups.GetArrayLength());
    }

    [Fact]
    public async Task A_token_minted_in_the_past_with_a_short_lifetime_is_rejected_as_expired()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);
        string token = issuer.CreateToken(new DevelopmentTokenRequest
        {
            Subject = "alice",
            IssuedAt = DateTimeOffset.UtcNow.AddHours(-1),
            Lifetime = TimeSpan.FromMinutes(1),
        });

        TokenValidationResult result = await ValidateAsync(issuer, token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(result.Exception);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_rejected()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);
        string token = issuer.CreateToken(new DevelopmentTokenRequest { Subject = "alice", Audience = "someone-else" });

        TokenValidationResult result = await ValidateAsync(issuer, token);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidAudienceException>(result.Exception);
    }

    [Fact]
    public async Task After_rotation_the_jwks_serves_only_the_new_key_and_old_tokens_fail()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);
        string oldToken = issuer.CreateToken(new DevelopmentTokenRequest { Subject = "alice" });
        string oldKid = issuer.CurrentPublicKey.KeyId;

        issuer.RotateKey();

        string newKid = issuer.CurrentPublicKey.KeyId;
        Assert.NotEqual(oldKid, newKid);
        using JsonDocument jwks = await GetJsonAsync(issuer.Issuer + "/jwks");
        JsonElement key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(newKid, key.GetProperty("kid").GetString());

        string newToken = issuer.CreateToken(new DevelopmentTokenRequest { Subject = "alice" });
        Assert.Equal(newKid, new JsonWebToken(newToken).Kid);
        TokenValidationResult fresh = await ValidateAsync(issuer, newToken);
        Assert.True(fresh.IsValid, fresh.Exception?.ToString());
        TokenValidationResult stale = await ValidateAsync(issuer, oldToken);
        Assert.False(stale.IsValid);
        Assert.IsType<SecurityTokenSignatureKeyNotFoundException>(stale.Exception);
    }

    [Fact]
    public async Task A_key_file_is_created_with_mode_0600_and_two_issuers_sharing_it_serve_the_same_kid()
    {
        string keyFile = Path.Combine(_directory, "keys", "dev-issuer.pem");
        var options = new DevelopmentIssuerOptions { KeyFile = keyFile };

        await using DevelopmentIssuer first = await DevelopmentIssuer.StartAsync(options).WaitAsync(DefaultTimeout);
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", await File.ReadAllTextAsync(keyFile).WaitAsync(DefaultTimeout), StringComparison.Ordinal);
        await using DevelopmentIssuer second = await DevelopmentIssuer.StartAsync(options).WaitAsync(DefaultTimeout);

        Assert.NotEqual(first.Issuer, second.Issuer);
        using JsonDocument firstJwks = await GetJsonAsync(first.Issuer + "/jwks");
        using JsonDocument secondJwks = await GetJsonAsync(second.Issuer + "/jwks");
        string? firstKid = Assert.Single(firstJwks.RootElement.GetProperty("keys").EnumerateArray()).GetProperty("kid").GetString();
        string? secondKid = Assert.Single(secondJwks.RootElement.GetProperty("keys").EnumerateArray()).GetProperty("kid").GetString();
        Assert.Equal(firstKid, secondKid);
        Assert.Equal(first.CurrentPublicKey.KeyId, firstKid);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(keyFile)!));
    }

    [Fact]
    public async Task A_restarted_issuer_with_the_same_key_file_validates_its_earlier_tokens()
    {
        var options = new DevelopmentIssuerOptions { KeyFile = Path.Combine(_directory, "dev-issuer.pem") };
        string token;
        string earlierIssuer;
        await using (DevelopmentIssuer before = await DevelopmentIssuer.StartAsync(options).WaitAsync(DefaultTimeout))
        {
            earlierIssuer = before.Issuer;
            token = before.CreateToken(new DevelopmentTokenRequest { Subject = "alice" });
        }

        // The restarted issuer listens on another free port, so only its keys are checked, against the earlier iss.
        await using DevelopmentIssuer after = await DevelopmentIssuer.StartAsync(options).WaitAsync(DefaultTimeout);
        TokenValidationResult result = await ValidateAsync(after, token, validIssuer: earlierIssuer);

        Assert.True(result.IsValid, result.Exception?.ToString());
    }

    [Fact]
    public async Task A_token_signed_from_the_key_file_as_dev_token_does_validates_against_the_issuer()
    {
        string keyFile = Path.Combine(_directory, "dev-issuer.pem");
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions { KeyFile = keyFile }).WaitAsync(DefaultTimeout);

        string token = DevelopmentSigningKey.Load(keyFile).CreateToken(issuer.Issuer, "hoopgate", new DevelopmentTokenRequest { Subject = "ci", ClientId = "ci-runner" });
        TokenValidationResult result = await ValidateAsync(issuer, token);

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal(issuer.CurrentPublicKey.KeyId, new JsonWebToken(token).Kid);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.0.2.10")]
    [InlineData("example.com")]
    [InlineData("")]
    public async Task A_listen_address_that_is_not_loopback_is_refused(string address)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions { ListenAddress = address }).WaitAsync(DefaultTimeout));
    }

    [Fact]
    public async Task The_ipv6_loopback_address_is_accepted()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions { ListenAddress = "::1" }).WaitAsync(DefaultTimeout);

        Assert.StartsWith("http://[::1]:", issuer.Issuer, StringComparison.Ordinal);
        using JsonDocument discovery = await GetJsonAsync(issuer.DiscoveryUrl);
        Assert.Equal(issuer.Issuer, discovery.RootElement.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task Machine_tokens_carry_azp_and_client_id_and_no_email()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);

        var jwt = new JsonWebToken(issuer.CreateToken(new DevelopmentTokenRequest { Subject = "svc-report", ClientId = "report-job", Groups = ["reporting"] }));

        Assert.Equal("report-job", jwt.GetClaim("azp").Value);
        Assert.Equal("report-job", jwt.GetClaim("client_id").Value);
        Assert.False(jwt.TryGetClaim("email", out _));
        Assert.Throws<ArgumentException>(() => issuer.CreateToken(new DevelopmentTokenRequest { Subject = "svc", ClientId = "job", Email = "job@example.test" }));
    }

    [Fact]
    public async Task Extra_claims_are_added_and_win_over_the_issuer_defaults()
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);
        string token = issuer.CreateToken(new DevelopmentTokenRequest
        {
            Subject = "alice",
            ExtraClaims = new Dictionary<string, object> { ["iss"] = "http://127.0.0.1:1/not-the-issuer", ["tenant"] = "clinic-7" },
        });

        var jwt = new JsonWebToken(token);
        Assert.Equal("http://127.0.0.1:1/not-the-issuer", jwt.Issuer);
        Assert.Equal("clinic-7", jwt.GetClaim("tenant").Value);
        TokenValidationResult result = await ValidateAsync(issuer, token);
        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidIssuerException>(result.Exception);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("45", 45)]
    [InlineData("00:10:00", 600)]
    public void Dev_token_lifetimes_read_as_people_write_them(string text, int seconds)
    {
        Assert.True(DurationText.TryParse(text, out TimeSpan lifetime));
        Assert.Equal(TimeSpan.FromSeconds(seconds), lifetime);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0m")]
    [InlineData("-5m")]
    [InlineData("ten minutes")]
    public void Dev_token_lifetimes_that_are_not_positive_durations_are_refused(string text)
    {
        Assert.False(DurationText.TryParse(text, out _));
    }

    private static async Task<JsonDocument> GetJsonAsync(string url)
    {
        using HttpResponseMessage response = await Http.GetAsync(url).WaitAsync(DefaultTimeout);
        response.EnsureSuccessStatusCode();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync().WaitAsync(DefaultTimeout));
    }

    [Fact]
    public async Task The_code_flow_gives_an_id_token_for_the_client_once_and_only_with_the_right_verifier()
    {
        var user = new DevelopmentUser("ana", "Ana", "ana@example.test", ["auditors"]);
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions { Users = [user] }).WaitAsync(DefaultTimeout);
        const string Redirect = "http://127.0.0.1:9/callback";
        const string Verifier = "a-verifier-of-at-least-forty-three-characters-0123456789";

        string page = await Http.GetStringAsync(issuer.Issuer + "/authorize?" + Query(Challenge(Verifier), Redirect, "hoopgate-console")).WaitAsync(DefaultTimeout);
        Assert.Contains("id=\"user-ana\"", page, StringComparison.Ordinal);

        string code = await SignInAsync(issuer, Challenge(Verifier), Redirect, "ana");
        using (HttpResponseMessage wrong = await RedeemAsync(issuer, code, Redirect, "the-wrong-verifier-of-at-least-forty-three-characters-01"))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        // The failed try spent the code: the right verifier comes too late.
        using (HttpResponseMessage late = await RedeemAsync(issuer, code, Redirect, Verifier))
        {
            Assert.Contains("invalid_grant", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        string fresh = await SignInAsync(issuer, Challenge(Verifier), Redirect, "ana");
        using HttpResponseMessage ok = await RedeemAsync(issuer, fresh, Redirect, Verifier);
        using JsonDocument tokens = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
        using (JsonDocument access = Payload(tokens.RootElement.GetProperty("access_token").GetString()!))
        {
            Assert.Equal("hoopgate-console", access.RootElement.GetProperty("aud").GetString()); // not the gateway's audience
        }

        using JsonDocument claims = Payload(tokens.RootElement.GetProperty("id_token").GetString()!);
        Assert.Equal("hoopgate-console", claims.RootElement.GetProperty("aud").GetString());
        Assert.Equal("ana", claims.RootElement.GetProperty("sub").GetString());
        Assert.Equal("auditors", Assert.Single(claims.RootElement.GetProperty("groups").EnumerateArray()).GetString());
        Assert.True(claims.RootElement.TryGetProperty("auth_time", out _));
        using HttpResponseMessage replay = await RedeemAsync(issuer, fresh, Redirect, Verifier);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, replay.StatusCode);
    }

    [Theory]
    [InlineData("http://192.0.2.10/callback", "hoopgate-console", true)]
    [InlineData("http://127.0.0.1:9/callback#x", "hoopgate-console", true)]
    [InlineData("http://127.0.0.1:9/callback", "someone-else", true)]
    [InlineData("http://127.0.0.1:9/callback", "hoopgate-console", false)]
    public async Task The_login_page_refuses_off_loopback_redirects_unknown_clients_and_requests_without_pkce(string redirect, string client, bool pkce)
    {
        await using DevelopmentIssuer issuer = await DevelopmentIssuer.StartAsync(new DevelopmentIssuerOptions()).WaitAsync(DefaultTimeout);
        string query = pkce ? Query(Challenge("v"), redirect, client) : Query("", redirect, client).Replace("&code_challenge_method=S256", "", StringComparison.Ordinal);
        using HttpResponseMessage response = await Http.GetAsync(issuer.Issuer + "/authorize?" + query).WaitAsync(DefaultTimeout);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static string Challenge(string verifier) => Base64UrlEncoder.Encode(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static string Query(string challenge, string redirect, string client) =>
        "response_type=code&client_id=" + Uri.EscapeDataString(client) + "&redirect_uri=" + Uri.EscapeDataString(redirect)
        + "&state=s1&nonce=n1&code_challenge=" + challenge + "&code_challenge_method=S256";

    private static async Task<string> SignInAsync(DevelopmentIssuer issuer, string challenge, string redirect, string user)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler);
        var form = new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = "hoopgate-console",
            ["redirect_uri"] = redirect,
            ["state"] = "s1",
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["user"] = user,
        };
        using HttpResponseMessage response = await http.PostAsync(issuer.Issuer + "/authorize", new FormUrlEncodedContent(form)).WaitAsync(DefaultTimeout);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        string location = response.Headers.Location!.ToString();
        Assert.StartsWith(redirect + "?code=", location, StringComparison.Ordinal);
        Assert.EndsWith("&state=s1", location, StringComparison.Ordinal);
        return Uri.UnescapeDataString(location[(redirect.Length + "?code=".Length)..^"&state=s1".Length]);
    }

    private static Task<HttpResponseMessage> RedeemAsync(DevelopmentIssuer issuer, string code, string redirect, string verifier) =>
        Http.PostAsync(issuer.Issuer + "/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirect,
            ["client_id"] = "hoopgate-console",
            ["code_verifier"] = verifier,
        })).WaitAsync(DefaultTimeout);

    /// <summary>Validates the way the gateway does: configuration (and keys) from discovery, issuer and audience pinned.</summary>
    private static async Task<TokenValidationResult> ValidateAsync(DevelopmentIssuer issuer, string token, string? validIssuer = null)
    {
        var configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            issuer.DiscoveryUrl,
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = false });
        OpenIdConnectConfiguration config = await configuration.GetConfigurationAsync(CancellationToken.None).WaitAsync(DefaultTimeout);
        Assert.Equal(issuer.Issuer, config.Issuer);
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = validIssuer ?? issuer.Issuer,
            ValidAudience = "hoopgate",
            IssuerSigningKeys = config.SigningKeys,
            ValidAlgorithms = ["RS256"],
        }).WaitAsync(DefaultTimeout);
    }

    private static JsonDocument Payload(string token)
    {
        string payload = token.Split('.')[1];
        return JsonDocument.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(payload)));
    }
}
