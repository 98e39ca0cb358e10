using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace HoopGate.Demo;

/// <summary>
/// A development OpenID Connect issuer (issue 4): it serves a discovery document and a JWKS over plain HTTP on a
/// loopback address and mints RS256 tokens for any identity. Tests, the demo and scripts use it. It is not an
/// identity provider: nothing authenticates the caller of <see cref="CreateToken"/>, so production configuration
/// must never name its issuer, and it refuses to listen on anything but loopback.
/// </summary>
/// <remarks>
/// <code>
/// GET {Issuer}/.well-known/openid-configuration   issuer, jwks_uri, RS256, response and subject types
/// GET {Issuer}/jwks                               {"keys":[ the current public key only ]}
/// </code>
/// Both answers carry <c>Cache-Control: no-store</c>, so a validator refreshing its configuration sees a
/// <see cref="RotateKey"/> at once.
/// </remarks>
public sealed partial class DevelopmentIssuer : IAsyncDisposable
{
    /// <summary>
    /// The issuer's path. A fixed, explicit name, so its <c>iss</c> can never be mistaken for a real provider's.
    /// </summary>
    private const string IssuerPath = "/hoopgate-dev";

    private const string DiscoveryPath = "/.well-known/openid-configuration";

    private const string JwksPath = "/jwks";

    private static readonly string[] ClaimsSupported = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "groups", "email", "name", "nonce", "auth_time", "azp", "client_id"];

    private readonly string _defaultAudience;
    private readonly IReadOnlyList<DevelopmentUser> _users;
    private readonly IReadOnlyList<string> _clientIds;
    private volatile DevelopmentSigningKey _key;
    private WebApplication? _app;
    private int _disposed;

    private DevelopmentIssuer(DevelopmentSigningKey key, string defaultAudience, IReadOnlyList<DevelopmentUser> users, IReadOnlyList<string> clientIds)
    {
        _key = key;
        _defaultAudience = defaultAudience;
        _users = users;
        _clientIds = clientIds;
    }

    /// <summary>The <c>iss</c> of its tokens, such as <c>http://127.0.0.1:54321/hoopgate-dev</c>.</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>The discovery document's address: <see cref="Issuer"/> + <c>/.well-known/openid-configuration</c>.</summary>
    public string DiscoveryUrl => Issuer + DiscoveryPath;

    /// <summary>The public half of the current signing key, with its key id (for tests that forge tokens).</summary>
    public RsaSecurityKey CurrentPublicKey => _key.PublicKey;

    /// <summary>Starts an issuer and returns once it accepts connections.</summary>
    /// <param name="options">Where to listen, which key to use and the default audience.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">The listen address is not a loopback address, or another option is invalid.</exception>
    /// <exception cref="InvalidDataException">The key file holds no usable RSA private key.</exception>
    public static async Task<DevelopmentIssuer> StartAsync(DevelopmentIssuerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        IPAddress address = ParseLoopbackAddress(options.ListenAddress);
        if (options.Port is < 0 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentException("port " + options.Port + " is out of range (0 picks a free port)", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            throw new ArgumentException("the default audience must not be empty", nameof(options));
        }

        DevelopmentSigningKey key = options.KeyFile is null ? DevelopmentSigningKey.Generate() : DevelopmentSigningKey.LoadOrCreate(options.KeyFile);
        var issuer = new DevelopmentIssuer(key, options.Audience, options.Users, options.ClientIds);
        try
        {
            await issuer.StartServerAsync(address, options.Port, cancellationToken);
        }
        catch
        {
            await issuer.DisposeAsync();
            throw;
        }

        return issuer;
    }

    /// <summary>Mints an RS256 token signed with the current key; its header's <c>kid</c> names that key.</summary>
    /// <param name="request">The token's contents.</param>
    /// <exception cref="ArgumentException">The request has no subject, names both a client id and an email, or has no lifetime.</exception>
    public string CreateToken(DevelopmentTokenRequest request) => _key.CreateToken(Issuer, _defaultAudience, request);

    /// <summary>
    /// Replaces the signing key with a new ephemeral RSA key and key id; from then on the JWKS serves only the new
    /// key, so tokens signed with the old one no longer validate once a validator refreshes. The key file, if any,
    /// is left unchanged.
    /// </summary>
    public void RotateKey()
    {
        // One reference write: a concurrent CreateToken or JWKS request sees the old key or the new one, whole.
        _key = DevelopmentSigningKey.Generate();
    }

    /// <summary>Stops serving and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _app is null)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Accepts a loopback IP address, or <c>localhost</c> as <c>127.0.0.1</c>; refuses everything else.</summary>
    private static IPAddress ParseLoopbackAddress(string listenAddress)
    {
        if (string.Equals(listenAddress, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (!IPAddress.TryParse(listenAddress, out IPAddress? address) || !IPAddress.IsLoopback(address))
        {
            throw new ArgumentException(
                "the development issuer listens on loopback only (127.0.0.1, ::1 or localhost), not '" + listenAddress + "'",
                nameof(listenAddress));
        }

        return address;
    }

    private async Task StartServerAsync(IPAddress address, int port, CancellationToken cancellationToken)
    {
        // The empty builder reads no configuration or environment and has no logging providers, so Kestrel stays quiet.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();

        _app = builder.Build();
        _app.MapGet(IssuerPath + DiscoveryPath, WriteDiscoveryAsync);
        _app.MapGet(IssuerPath + JwksPath, WriteJwksAsync);
        MapAuthorizationCodeFlow(_app);
        await _app.StartAsync(cancellationToken);

        string bound = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        int boundPort = new Uri(bound).Port;
        string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        Issuer = "http://" + host + ":" + boundPort + IssuerPath;
    }

    private Task WriteDiscoveryAsync(HttpContext context) => WriteJsonAsync(context, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("issuer", Issuer);
        writer.WriteString("jwks_uri", Issuer + JwksPath);
        writer.WriteString("authorization_endpoint", Issuer + AuthorizePath);
        writer.WriteString("token_endpoint", Issuer + TokenPath);
        writer.WriteStartArray("code_challenge_methods_supported");
        writer.WriteStringValue("S256");
        writer.WriteEndArray();
        writer.WriteStartArray("grant_types_supported");
        writer.WriteStringValue("authorization_code");
        writer.WriteEndArray();
        writer.WriteStartArray("token_endpoint_auth_methods_supported");
        writer.WriteStringValue("none");
        writer.WriteEndArray();
        writer.WriteStartArray("scopes_supported");
        writer.WriteStringValue("openid");
        writer.WriteStringValue("profile");
        writer.WriteStringValue("email");
        writer.WriteEndArray();
        writer.WriteStartArray("id_token_signing_alg_values_supported");
        writer.WriteStringValue(SecurityAlgorithms.RsaSha256);
        writer.WriteEndArray();
        writer.WriteStartArray("response_types_supported");
        writer.WriteStringValue("code");
        writer.WriteStringValue("id_token");
        writer.WriteEndArray();
        writer.WriteStartArray("subject_types_supported");
        writer.WriteStringValue("public");
        writer.WriteEndArray();
        writer.WriteStartArray("claims_supported");
        foreach (string claim in ClaimsSupported)
        {
            writer.WriteStringValue(claim);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private Task WriteJwksAsync(HttpContext context) => WriteJsonAsync(context, writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("keys");
        _key.WriteJwk(writer);
        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            write(writer);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
